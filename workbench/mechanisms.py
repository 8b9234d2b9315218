"""Molecular-mechanism extraction: who does what to whom in a mechanism sentence -- a rule baseline.

Used as ``wb.usecases.extract_mechanisms`` (notebook 05). Each step is *source -trigger-> theme*
with a direction (``up``/``down``) read from the sentence's syntax, not from word order alone:

=====================  ==========================================================  ===================
construction           example                                                     step
=====================  ==========================================================  ===================
active                 TNF-α **activates** NF-κB signalling.                       TNF-α -> NF-κB
passive                NF-κB **was activated by** TNF-α.                           TNF-α -> NF-κB
"X-induced Y"          TNF-α-**induced** NF-κB activation promotes inflammation.   TNF-α -> NF-κB -> inflammation
nominal                **Activation of** NF-κB **by** TNF-α leads to ...           TNF-α -> NF-κB -> ...
                       **Inhibition of** GSK3B **by** lithium activates Wnt ...    lithium -| GSK3B -| Wnt
participle clause      Erlotinib inhibits EGFR, **suppressing** MAPK signalling.   Erlotinib -| MAPK
relative clause        Vemurafenib inhibits BRAF, **which activates** MAPK.        BRAF -> MAPK
"By ...ing"            **By inhibiting** JAK2, ruxolitinib blocks JAK/STAT.         ruxolitinib -| JAK2
negation               Zorbanib **did not inhibit** EGFR.                          Zorbanib -/- EGFR
=====================  ==========================================================  ===================

A participle clause takes the subject of the clause it hangs on (the drug inhibits EGFR *and* thereby
MAPK signalling); a relative "which" takes the mention just before it; a verb whose subject is an
event ("Activation of NF-κB by TNF-α leads to ...") starts from that event's theme, with the sign
flipped when the event is an inhibition. Beyond the rules: coordinated agents ("A and B inhibit C"
keeps only B), hedges ("may inhibit"), triggers the lexicon does not list, and anything that needs
world knowledge. Published systems train event extractors on annotated corpora (BioNLP shared tasks).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

PATHWAY_WORDS = re.compile(r"\s+(?:signall?ing|pathways?|cascade)\b", re.IGNORECASE)
_PATHWAY_NAME = re.compile(r"(?<![\w/-])([A-Za-z0-9][\w/-]*)(?=\s+(?:signall?ing|pathways?|cascade)\b)")
_NEGATION = re.compile(r"\b(?:not|no|never|failed to|did not|does not|do not|without)\s+(?:\w+\s+)?$", re.IGNORECASE)
_BE = re.compile(r"\b(?:is|are|was|were|be|been|being)\s+(?:not\s+|\w+ly\s+)?$", re.IGNORECASE)
_BY = re.compile(r"\s+by\s+(?:the\s+)?", re.IGNORECASE)
_OF = re.compile(r"\s+of\s+(?:the\s+)?", re.IGNORECASE)
_RELATIVE = re.compile(r"^\s*(?:which|that)\b", re.IGNORECASE)
_BOUNDARY = re.compile(r"[,;:]|\b(?:and|but|while|whereas)\b", re.IGNORECASE)
NOMINALS = {"activation": "up", "induction": "up", "stimulation": "up", "enhancement": "up",
            "inhibition": "down", "suppression": "down", "blockade": "down", "attenuation": "down"}
CAUSAL = {"leads to": "up", "lead to": "up", "led to": "up", "leading to": "up", "results in": "up",
          "resulted in": "up", "resulting in": "up", "causes": "up", "caused": "up", "causing": "up"}
COMPOUNDS = {"induced": "up", "mediated": "up", "driven": "up", "stimulated": "up", "activated": "up",
             "triggered": "up", "inhibited": "down", "suppressed": "down", "blocked": "down"}
_COMPOUND = re.compile(r"(?<![\w-])((?:[\w/]+-)*?[\w/]+)-(" + "|".join(COMPOUNDS) + r")\b", re.IGNORECASE)
ROLE_OF = {"Gene": "target", "Pathway": "pathway", "Outcome": "outcome", "Disease": "outcome",
           "Chemical": "target"}


def trigger_forms(lexicon: Mapping | None = None) -> dict[str, str]:
    """Trigger word -> direction (``up``/``down``): the lexicon's forms plus base and ``-ed`` forms."""
    if lexicon is None:
        from .usecases import load_lexicon

        lexicon = load_lexicon()
    out = {}
    for direction, words in lexicon["Trigger"].items():
        for w in words:
            out[w.lower()] = direction
            if w.endswith("s") and not w.endswith("ing"):  # inhibits -> inhibit, inhibited; reduces -> reduced
                base = w[:-2] if w.endswith(("sses", "shes", "ches", "xes")) else w[:-1]
                out.setdefault(base.lower(), direction)
                out.setdefault((base + "d" if base.endswith("e") else base + "ed").lower(), direction)
    return out


@dataclass
class Mechanism:
    """Roles in one mechanism sentence. Entities are dicts with ``start``, ``end``, ``label``, ``text``."""

    sentence: str
    agent: dict | None
    target: dict | None
    pathway: dict | None
    outcome: dict | None
    steps: list[dict] = field(default_factory=list)  # source, trigger, direction, negated, theme, role, construction

    def _parent(self, step: dict) -> dict | None:
        """The earlier step whose theme is this step's source (the cascade it continues)."""
        return next((s for s in self.steps if s is not step and s["theme"] is step["source"]
                     and s["trigger_span"][0] != step["trigger_span"][0]), None)

    @property
    def outcome_direction(self) -> str | None:
        """What the sentence says happens to the outcome, from the agent on: ``up``, ``down``,
        ``unchanged`` (a negated step on the way) or ``None`` (no outcome)."""
        step = next((s for s in self.steps if s["role"] == "outcome"), None)
        if step is None:
            return None
        sign, seen = 1, set()
        while step is not None and id(step) not in seen:
            seen.add(id(step))
            if step["negated"]:
                return "unchanged"
            sign *= 1 if step["direction"] == "up" else -1
            step = self._parent(step) if step["source"] is not self.agent else None
        return "up" if sign > 0 else "down"

    def chain(self) -> str:
        """``TNF-α -> NF-κB -> inflammation``; steps from one source are listed after it
        (``Erlotinib -| EGFR, -| MAPK``); ``->`` up, ``-|`` down, ``-/-`` negated."""
        if not self.steps:
            return self.agent["text"] if self.agent else ""
        text = lambda e: e["text"] if e else "?"  # noqa: E731
        out, last = "", None
        for s in self.steps:
            arrow = "-/-" if s["negated"] else ("->" if s["direction"] == "up" else "-|")
            if last is not None and s["source"] is last["theme"]:
                out += f" {arrow} {text(s['theme'])}"
            elif last is not None and s["source"] is last["source"]:
                out += f", {arrow} {text(s['theme'])}"
            else:
                out += ("; " if out else "") + f"{text(s['source'])} {arrow} {text(s['theme'])}"
            last = s
        return out


def _entities(sentence: str, ents: list[dict], ner: Callable, lexicon_terms: set[str]) -> list[dict]:
    ents = [dict(e, text=sentence[e["start"]:e["end"]]) for e in ents]
    for e in ents:  # "mTOR signalling": whatever its listed type, here it names a pathway
        if PATHWAY_WORDS.match(sentence, e["end"]):
            e["label"] = "Pathway"
    overlaps = lambda s, t: any(e["start"] < t and s < e["end"] for e in ents)  # noqa: E731
    for m in _PATHWAY_NAME.finditer(sentence):  # unlisted pathway names
        if not overlaps(*m.span()) and m.group().lower() not in lexicon_terms:
            ents.append({"start": m.start(), "end": m.end(), "label": "Pathway", "text": m.group(), "score": 1.0,
                         "source": "pattern"})
    for m in _COMPOUND.finditer(sentence):  # "TNF-α-induced": the dictionary sees one hyphenated word
        if not overlaps(*m.span(1)):
            found = [e for e in ner([m.group(1)])[0] if (e["start"], e["end"]) == (0, len(m.group(1)))]
            ents.append({"start": m.start(1), "end": m.end(1), "label": found[0]["label"] if found else "Agent",
                         "text": m.group(1), "score": 1.0, "source": "pattern"})
    return sorted(ents, key=lambda e: e["start"])


def _entity_at(ents: list[dict], pos: int) -> dict | None:
    return next((e for e in ents if e["start"] == pos), None)


def _clause_start(sentence: str, pos: int) -> int:
    return max((m.end() for m in _BOUNDARY.finditer(sentence, 0, pos)), default=0)


def _sentence_steps(sentence: str, ents: list[dict], triggers: dict[str, str], trigger_re) -> list[dict]:
    found = []  # (start, end, word, kind, direction)
    for m in trigger_re.finditer(sentence):
        if any(e["start"] <= m.start() < e["end"] for e in ents):
            continue
        word = m.group().lower()
        if word in NOMINALS:
            kind = "nominal"
        elif word in CAUSAL:
            kind = "verb"
        elif word.endswith("ing"):
            kind = "participle"
        elif word.endswith("ed") and _BE.search(sentence[:m.start()]):
            kind = "passive"
        else:
            kind = "verb"
        found.append((m.start(), m.end(), m.group(), kind, {**NOMINALS, **CAUSAL}.get(word) or triggers[word]))
    for m in _COMPOUND.finditer(sentence):
        found.append((m.start(2) - 1, m.end(2), "-" + m.group(2), "compound", COMPOUNDS[m.group(2).lower()]))
    found.sort()
    starts = [f[0] for f in found] + [len(sentence)]
    steps: list[dict] = []

    def step(k, source, theme, construction, direction=None):
        start, end, word, _, d = found[k]
        if theme is None or theme is source:
            return None
        s = {"source": source, "trigger": word, "direction": direction or d, "theme": theme,
             "negated": bool(_NEGATION.search(sentence[:start])), "role": ROLE_OF.get(theme["label"], "target"),
             "trigger_span": (start, end), "construction": construction}
        steps.append(s)
        return s

    def after(k, pos=None):  # the first entity after trigger k, before the next trigger
        pos = found[k][1] if pos is None else pos
        return next((e for e in ents if pos <= e["start"] < starts[k + 1]), None)

    def by_agent(pos):
        m = _BY.match(sentence, pos)
        return _entity_at(ents, m.end()) if m else None

    events = {}  # trigger index -> step of a nominal / compound event (a possible subject)
    for k, (start, end, word, kind, _) in enumerate(found):
        if kind == "compound":
            source = next((e for e in ents if e["end"] == start), None)
            events[k] = step(k, source, after(k), "X-induced Y")
        elif kind == "nominal":
            m = _OF.match(sentence, end)
            if m and _entity_at(ents, m.end()):
                theme = _entity_at(ents, m.end())
                events[k] = step(k, by_agent(theme["end"]), theme, "nominal")
                continue
            before = next((e for e in ents if e["end"] <= start and not sentence[e["end"]:start].strip()), None)
            if before is not None and k > 0 and after(k - 1) is before:
                continue  # "blocking NF-κB activation", "TNF-α-induced NF-κB activation": one event
            if before is not None:
                events[k] = step(k, by_agent(end), before, "nominal")
    finite: list[tuple[int, dict | None]] = []  # (trigger index, the clause's acting source)
    for k, (start, end, word, kind, d) in enumerate(found):
        if kind == "passive":
            theme = next((e for e in reversed(ents) if e["end"] <= start), None)
            source = by_agent(end)
            step(k, source, theme, "passive")
            finite.append((k, source))
        elif kind == "verb":
            cut = _clause_start(sentence, start)
            direction = None
            if _RELATIVE.match(sentence[cut:start]):  # ", which activates": the mention before the comma
                source = next((e for e in reversed(ents) if e["end"] <= cut), None)
                construction = "relative clause"
            else:
                event = next((events[j] for j in sorted(events, reverse=True)
                              if events[j] and cut <= found[j][0] < start), None)
                subject = next((e for e in ents if cut <= e["start"] and e["end"] <= start), None)
                if event is not None:  # "Activation of NF-κB by TNF-α leads to ..."
                    source, construction = event["theme"], "event subject"
                    if event["direction"] == "down":
                        direction = "down" if d == "up" else "up"
                elif subject is not None:
                    source, construction = subject, "active"
                else:  # "... and reduces X": the subject of the verb before
                    source, construction = (finite[-1][1] if finite else None), "coordination"
            step(k, source, after(k), construction, direction)
            finite.append((k, source))
    for k, (start, end, word, kind, _) in enumerate(found):
        if kind != "participle":
            continue
        if re.search(r"\bby\s+$", sentence[:start], re.IGNORECASE):  # "By inhibiting X, A ..."
            source = next((src for j, src in finite if j > k), None)
            construction = "by-gerund"
        else:  # "A inhibits B, suppressing C": the acting source of the clause it hangs on
            source = next((src for j, src in reversed(finite) if j < k), None)
            construction = "participle"
        step(k, source, after(k), construction)
    return sorted(steps, key=lambda s: s["trigger_span"])


def extract_mechanisms(sentences: str | Sequence[str], ner: Callable | None = None,
                       lexicon: Mapping | None = None) -> list[Mechanism]:
    """Agent, trigger, target, pathway and outcome roles from mechanism sentences (see the module doc).

    ``ner``: a tagger (``texts -> entity lists``; default: the use-case lexicon); ``lexicon``: its
    ``Trigger`` lists (``{"up": [...], "down": [...]}``) give the trigger verbs (default:
    ``data/re/usecases/lexicon.json``). The agent is the source of the first step that no other step
    leads to; target, pathway and outcome are the first themes of those roles (Gene/Chemical, Pathway,
    Outcome/Disease).
    """
    from .usecases import lexicon_tagger, load_lexicon

    if isinstance(sentences, str):
        sentences = [sentences]
    lexicon = load_lexicon() if lexicon is None else lexicon
    ner = ner or lexicon_tagger(lexicon=lexicon)
    triggers = trigger_forms(lexicon)
    words = sorted(set(triggers) | set(NOMINALS) | set(CAUSAL), key=len, reverse=True)
    trigger_re = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, words)) + r")\b", re.IGNORECASE)
    terms = {str(t).lower() for k, v in lexicon.items() if k != "Trigger" for t in v}
    out = []
    for sentence, found in zip(sentences, ner(list(sentences))):
        ents = _entities(sentence, found, ner, terms)
        steps = _sentence_steps(sentence, ents, triggers, trigger_re)
        themes = [s["theme"] for s in steps]
        roots = [s["source"] for s in steps if s["source"] is not None and not any(s["source"] is t for t in themes)]
        agent = roots[0] if roots else (steps[0]["source"] if steps else None)
        first = {role: next((s["theme"] for s in steps if s["role"] == role), None)
                 for role in ("target", "pathway", "outcome")}
        out.append(Mechanism(sentence, agent, first["target"], first["pathway"], first["outcome"], steps))
    return out


def mechanisms_table(mechanisms: Sequence[Mechanism]):
    """One row per sentence: agent, target, pathway, outcome, outcome direction and the chain."""
    import pandas as pd

    text = lambda e: e["text"] if e else None  # noqa: E731
    return pd.DataFrame([{"agent": text(m.agent), "target": text(m.target), "pathway": text(m.pathway),
                          "outcome": text(m.outcome), "outcome_direction": m.outcome_direction,
                          "chain": m.chain(), "sentence": m.sentence} for m in mechanisms])
