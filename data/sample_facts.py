"""The facts and names every project sample is written from (shared by ``data/make_*_sample.py``).

The rule: a sentence that states a real gene / drug / disease relation as true is filled only from
the fact tables below, and every row records its source (an OMIM phenotype entry, a DrugBank drug
entry with the target it lists, a KEGG pathway map, a US prescribing-information section, or a
PubMed ID). Everything else a template asserts -- an expression change, a trial result, a year --
is filled with INVENTED names (``zorbanib``, ``GENX7``, ``Quellan syndrome``): no reader can take
them for real drugs, genes or diseases, and the notebooks say so. Real names also appear in
sentences that assert no relation at all ("Serum levels of TP53 were measured ...").

Held-out names (``HELD_OUT``) never occur in a training split: the test splits check that a model
generalises to names it has not seen. Facts that contain a held-out name are test-only.
"""
from __future__ import annotations

# ------------------------------------------------------------------ real facts, each with its source
# Germline gene -> disease (Mendelian). Source: the OMIM phenotype entry that names the gene.
GENE_DISEASE = [  # (gene, disease, source, how): causal AR/AD/XL (Mendelian cause) or risk (susceptibility)
    ("CFTR", "cystic fibrosis", "OMIM #219700", "causal AR"),
    ("HTT", "Huntington disease", "OMIM #143100", "causal AD"),
    ("FBN1", "Marfan syndrome", "OMIM #154700", "causal AD"),
    ("PAH", "phenylketonuria", "OMIM #261600", "causal AR"),
    ("GBA1", "Gaucher disease", "OMIM #230800", "causal AR"),
    ("DMD", "Duchenne muscular dystrophy", "OMIM #310200", "causal XL"),
    ("BRCA1", "breast cancer", "OMIM #604370 (breast-ovarian cancer, familial, 1)", "risk"),
    ("HBB", "sickle cell anemia", "OMIM #603903", "causal AR"),
    ("APOE", "Alzheimer disease", "OMIM #104310 (Alzheimer disease 2, APOE e4 susceptibility)", "risk"),
    ("LRRK2", "Parkinson disease", "OMIM #607060 (Parkinson disease 8)", "risk"),
    ("F8", "hemophilia A", "OMIM #306700", "causal XL"),
    ("TP53", "Li-Fraumeni syndrome", "OMIM #151623", "causal AD"),
    ("APC", "familial adenomatous polyposis", "OMIM #175100", "causal AD"),
    ("F9", "hemophilia B", "OMIM #306900", "causal XL"),
    ("SOD1", "amyotrophic lateral sclerosis", "OMIM #105400 (ALS 1)", "risk"),
    ("SMN1", "spinal muscular atrophy", "OMIM #253300", "causal AR"),
    ("HFE", "hemochromatosis", "OMIM #235200", "causal AR"),
]

_LABEL = "US prescribing information (DailyMed)"
# Drug -> disease it is approved for. Source: the Indications section of the drug's US label.
DRUG_INDICATION = [
    ("metformin", "type 2 diabetes", f"{_LABEL}, metformin: Indications"),
    ("insulin", "type 2 diabetes", f"{_LABEL}, insulin: Indications (diabetes mellitus)"),
    ("tamoxifen", "breast cancer", f"{_LABEL}, tamoxifen: Indications"),
    ("doxorubicin", "breast cancer", f"{_LABEL}, doxorubicin: Indications"),
    ("cyclophosphamide", "breast cancer", f"{_LABEL}, cyclophosphamide: Indications"),
    ("levodopa", "Parkinson disease", f"{_LABEL}, carbidopa-levodopa: Indications"),
    ("warfarin", "atrial fibrillation", f"{_LABEL}, warfarin: Indications (thromboembolism in atrial fibrillation)"),
    ("methotrexate", "rheumatoid arthritis", f"{_LABEL}, methotrexate: Indications"),
    ("ibuprofen", "rheumatoid arthritis", f"{_LABEL}, ibuprofen tablets: Indications"),
    ("valproic acid", "epilepsy", f"{_LABEL}, valproic acid: Indications"),
    ("cisplatin", "ovarian cancer", f"{_LABEL}, cisplatin: Indications"),
    ("paclitaxel", "ovarian cancer", f"{_LABEL}, paclitaxel: Indications"),
    ("carboplatin", "ovarian cancer", f"{_LABEL}, carboplatin: Indications"),
    ("erlotinib", "non-small cell lung cancer", f"{_LABEL}, erlotinib: Indications"),
    ("sorafenib", "hepatocellular carcinoma", f"{_LABEL}, sorafenib: Indications"),
    ("5-fluorouracil", "colorectal cancer", f"{_LABEL}, fluorouracil: Indications"),
    ("imatinib", "chronic myeloid leukemia", f"{_LABEL}, imatinib: Indications"),
    ("gemcitabine", "pancreatic cancer", f"{_LABEL}, gemcitabine: Indications"),
    ("atorvastatin", "hypercholesterolemia", f"{_LABEL}, atorvastatin: Indications"),
    ("dexamethasone", "multiple sclerosis", f"{_LABEL}, dexamethasone tablets: Indications (acute exacerbations)"),
    ("haloperidol", "schizophrenia", f"{_LABEL}, haloperidol: Indications"),
    ("lithium", "bipolar disorder", f"{_LABEL}, lithium carbonate: Indications"),
    ("ruxolitinib", "myelofibrosis", f"{_LABEL}, ruxolitinib: Indications"),
    ("venetoclax", "chronic lymphocytic leukemia", f"{_LABEL}, venetoclax: Indications"),
]
# Drug -> adverse event. Source: the Boxed Warning or Warnings and Precautions of the drug's US label.
DRUG_ADE = [
    ("cisplatin", "ototoxicity", f"{_LABEL}, cisplatin: Warnings and Precautions"),
    ("doxorubicin", "cardiomyopathy", f"{_LABEL}, doxorubicin: Boxed Warning"),
    ("metformin", "lactic acidosis", f"{_LABEL}, metformin: Boxed Warning"),
    ("warfarin", "bleeding", f"{_LABEL}, warfarin: Boxed Warning"),
    ("haloperidol", "tardive dyskinesia", f"{_LABEL}, haloperidol: Warnings"),
    ("methotrexate", "hepatotoxicity", f"{_LABEL}, methotrexate: Boxed Warning"),
    ("valproic acid", "pancreatitis", f"{_LABEL}, valproic acid: Boxed Warning"),
    ("lithium", "hypothyroidism", f"{_LABEL}, lithium carbonate: Warnings and Precautions"),
    ("insulin", "hypoglycemia", f"{_LABEL}, insulin: Warnings and Precautions"),
    ("paclitaxel", "peripheral neuropathy", f"{_LABEL}, paclitaxel: Warnings and Precautions"),
    ("cyclophosphamide", "hemorrhagic cystitis", f"{_LABEL}, cyclophosphamide: Warnings and Precautions"),
    ("ibuprofen", "renal toxicity", f"{_LABEL}, ibuprofen tablets: Warnings (renal toxicity)"),
    ("carboplatin", "thrombocytopenia", f"{_LABEL}, carboplatin: Boxed Warning (bone marrow suppression)"),
    ("erlotinib", "skin rash", f"{_LABEL}, erlotinib: Adverse Reactions (rash, the most common)"),
    ("dexamethasone", "hyperglycemia", f"{_LABEL}, dexamethasone tablets: Warnings and Precautions"),
    ("atorvastatin", "rhabdomyolysis", f"{_LABEL}, atorvastatin: Warnings and Precautions"),
    ("5-fluorouracil", "mucositis", f"{_LABEL}, fluorouracil: Warnings and Precautions (mucositis)"),
    ("imatinib", "fluid retention", f"{_LABEL}, imatinib: Warnings and Precautions"),
    ("gemcitabine", "neutropenia", f"{_LABEL}, gemcitabine: Warnings and Precautions (myelosuppression)"),
    ("tamoxifen", "endometrial cancer", f"{_LABEL}, tamoxifen: Boxed Warning"),
]
# Drug -> the protein it inhibits (gene symbol). Source: the DrugBank entry's target list (and PubMed).
DRUG_TARGET = [
    ("rapamycin", "MTOR", "DrugBank DB00877 (sirolimus): target MTOR"),
    ("erlotinib", "EGFR", "DrugBank DB00530: target EGFR"),
    ("vemurafenib", "BRAF", "DrugBank DB08881: target BRAF (V600E)"),
    ("imatinib", "ABL1", "DrugBank DB00619: target ABL1 (BCR-ABL)"),
    ("ruxolitinib", "JAK2", "DrugBank DB08877: targets JAK1, JAK2"),
    ("venetoclax", "BCL2", "DrugBank DB11581: target BCL2"),
    ("lithium", "GSK3B", "DrugBank DB01356: target GSK3B; Klein & Melton 1996, PMID 8710892"),
    ("methotrexate", "DHFR", "DrugBank DB00563: target DHFR"),
    ("atorvastatin", "HMGCR", "DrugBank DB01076: target HMGCR"),
    ("warfarin", "VKORC1", "DrugBank DB00682: target VKORC1"),
]

# ------------------------------------------------------------------ invented names (not real; say so)
INVENTED = {
    "Gene": ["GENX7", "GENX12", "ZORK1", "ZORK3", "QLN2", "QLN5", "VEXL1", "TRAZ4", "KOLQ2", "BLIX9",
             "DRONZ1", "YEVK3", "FUZQ6", "PLOXQ1", "WUXL8", "JORVA2"],
    "Chemical": ["zorbanib", "quellimab", "travoxine", "pelmorastat", "dexivarin", "lumidrone", "sarvoprine",
                 "olvitrex", "mirazolate", "fendoquin", "belvastide", "corvimycin", "tulamerol", "nexifolan",
                 "gravotinib", "halzepride"],
    "Disease": ["Quellan syndrome", "Varrow disease", "Tessaly fever", "Brannock dystrophy", "Miravel anemia",
                "Sorvik ataxia", "Orbin-Kale syndrome", "Halvard myopathy", "Zellner carcinoma",
                "Pellow neuropathy", "Krastin leukodystrophy", "Fennick arthritis", "Gorvath nephropathy",
                "Lisk-Varno syndrome", "Tamsel fibrosis", "Ombry keratosis"],
}
# Real names that only appear in sentences asserting no relation (measured, recruited, dissolved ...).
NEUTRAL = {
    "Gene": ["KRAS", "PTEN", "MYC", "IL6", "VEGFA", "ERBB2", "PIK3CA", "STAT3", "NOTCH1", "ESR1", "IDH1", "ALK"],
    "Chemical": ["aspirin", "acetaminophen", "curcumin", "ketamine", "resveratrol", "nitric oxide",
                 "hydrogen peroxide", "gefitinib"],
    "Disease": ["asthma", "migraine", "psoriasis", "osteoporosis", "hypertension", "heart failure",
                "chronic kidney disease", "glioblastoma", "melanoma", "Crohn disease"],
}
# Names that never occur in a training split (real and invented alike).
HELD_OUT = {
    "Gene": {"SOD1", "SMN1", "HFE", "F9", "FUZQ6", "PLOXQ1", "WUXL8", "JORVA2", "IDH1", "ALK"},
    "Chemical": {"carboplatin", "haloperidol", "ruxolitinib", "venetoclax", "tulamerol", "nexifolan", "gravotinib",
                 "halzepride", "gefitinib"},
    "Disease": {"amyotrophic lateral sclerosis", "spinal muscular atrophy", "hemochromatosis", "hemophilia B",
                "thrombocytopenia", "tardive dyskinesia", "schizophrenia", "myelofibrosis",
                "chronic lymphocytic leukemia", "Gorvath nephropathy", "Lisk-Varno syndrome", "Tamsel fibrosis",
                "Ombry keratosis", "melanoma", "Crohn disease"},
}
KIND_OF_SLOT = {"G": "Gene", "C": "Chemical", "D": "Disease", "A": "Disease"}


def facts_for(table: list[tuple], split: str, how: str = "") -> list[tuple]:
    """The rows of a fact table a split may use: in train, none with a held-out name. ``how`` keeps
    the gene-disease rows whose mode starts with it (``causal``, ``causal AR``, ``risk``)."""
    rows = [row for row in table if not how or row[3].startswith(how)]
    if split != "train":
        return rows
    held = set().union(*HELD_OUT.values())
    return [row for row in rows if row[0] not in held and row[1] not in held]


def names(kind: str, split: str, real: bool = True, invented: bool = True) -> list[str]:
    """Names of one type (``Gene``/``Chemical``/``Disease``) a split may use (no held-out ones in train)."""
    pool = []
    if real:
        index = {"Gene": 0, "Chemical": 0, "Disease": 1}[kind]
        tables = {"Gene": [GENE_DISEASE, DRUG_TARGET], "Chemical": [DRUG_INDICATION, DRUG_ADE, DRUG_TARGET],
                  "Disease": [GENE_DISEASE, DRUG_INDICATION, DRUG_ADE]}[kind]
        for table in tables:
            col = 1 if (kind == "Gene" and table is DRUG_TARGET) else (0 if kind == "Chemical" else index)
            pool += [row[col] for row in table]
        pool += NEUTRAL[kind]
    if invented:
        pool += INVENTED[kind]
    pool = list(dict.fromkeys(pool))
    return pool if split != "train" else [n for n in pool if n not in HELD_OUT[kind]]


def all_real_names() -> dict[str, list[str]]:
    """Every real name the samples may use, by type (for the use-case lexicon and the tests)."""
    return {kind: names(kind, "test", invented=False) for kind in ("Gene", "Chemical", "Disease")}
