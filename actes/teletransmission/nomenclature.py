"""The codes of the @ctes exchange format (contrôle de légalité, Ministère de l'Intérieur).

Every table says where it was read. "S²LOW" means libriciel/s2low, the tiers de
télétransmission published by Libriciel SCOP; "Pastell" means libriciel/pastell; "the
schema" means actesv1_1.xsd as shipped in ../data/actes-v1.1/ (see its README).
"""

from __future__ import annotations

# The schema's targetNamespace; every element and attribute of the format is qualified
# (elementFormDefault and attributeFormDefault are "qualified" in the schema).
NS = "http://www.interieur.gouv.fr/ACTES#v1.1-20040216"
# The SIREN attribute of IDCL and Destinataire lives in INSEE's namespace (the schema
# imports siret.xsd for it).
INSEE_NS = "http://xml.insee.fr/schema"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
# S²LOW writes this schemaLocation on every message it generates (ActesTransaction
# generateActeXMLFile); we do the same so a receiving tool finds the schema by name.
SCHEMA_LOCATION = f"{NS} actesv1_1.xsd"
NSMAP = {"actes": NS, "insee": INSEE_NS, "xsi": XSI_NS}

# The six act natures: CodeNatureActe -> TypeAbrege. The pairs are those of the
# RetourClassification's NaturesActes (example classification of the cahier des charges,
# as in ianbogda/actesapi fixtures 7-2) and of Pastell's TdtConnecteur
# getShortenedNatureActe.
ACT_NATURES: dict[int, str] = {1: "DE", 2: "AR", 3: "AI", 4: "CC", 5: "BF", 6: "AU"}
ACT_NATURE_LABELS: dict[int, str] = {
    1: "Délibérations",
    2: "Actes réglementaires",
    3: "Actes individuels",
    4: "Contrats, conventions et avenants",
    5: "Documents budgétaires et financiers",
    6: "Autres",
}
NATURE_BY_ABBREVIATION = {abbreviation: code for code, abbreviation in ACT_NATURES.items()}

# Default typology (type de pièce) of the act's own file when the caller gives none, by
# nature: S²LOW's actes_transac_create.php correspondence table (nature -> "99_xx").
DEFAULT_ACT_TYPOLOGY: dict[int, str] = {
    1: "99_DE",
    2: "99_AR",
    3: "99_AI",
    4: "99_DC",
    5: "99_BU",
    6: "99_AU",
}
# Default typology of an annex: S²LOW's same script ("Type par defaut des annexes").
DEFAULT_ANNEX_TYPOLOGY = "99_AU"
# A typology code is two digits (the first two matter levels, "99" for any) and two
# capitals (Pastell ActesTypePJ reads $code[0] and $code[1] as matter levels 1 and 2;
# the codes come from the classification's TypePJNatureActe/@CodeTypePJ).
TYPOLOGY_PATTERN = r"[0-9]{2}_[A-Z]{2}"

# Nature of the collectivité (IDCL/@Nature, two digits in the schema): S²LOW's
# authority_types table (init SQL), whose two-digit ids are what it writes in IDCL.
COLLECTIVITY_NATURES: dict[str, str] = {
    "11": "Conseil régional",
    "12": "Établissements publics locaux d'enseignement (région)",
    "13": "Autres établissements publics (région)",
    "14": "Sociétés d'économie mixte locales (région)",
    "21": "Conseil départemental",
    "22": "Établissements publics de santé (département)",
    "23": "Établissements publics locaux d'enseignement (département)",
    "24": "Autres établissements publics (département)",
    "25": "Sociétés d'économie mixte locales (département)",
    "31": "Commune",
    "32": "Établissements publics de santé (commune)",
    "33": "Autres établissements publics (commune)",
    "34": "Sociétés d'économie mixte locales (commune)",
    "41": "Syndicats de communes et syndicats mixtes fermés",
    "42": "Syndicats mixtes ouverts",
    "43": "Syndicats d'agglomération nouvelle",
    "44": "Communautés de communes",
    "45": "Communautés urbaines",
    "46": "Communautés d'agglomération",
    "47": "Sociétés d'économie mixte locales (EPCI)",
    "51": "Service départemental d'incendie et de secours",
    "52": "Entente interdépartementale",
    "53": "Entente interrégionale",
    "54": "Autres sociétés d'économie mixte locales",
    "55": "Autres",
}

# Message codes ("code message", the two numbers before _N in a message file name): the
# message types of the cahier des charges, as numbered in ianbogda/actesapi's fixtures
# (1-1_Acte.xml ... 7-3_ReponseClassificationSansChangement.xml) and S²LOW's
# getStdFileName (-1-1, -2-2, -3-3/-3-4, -4-3/-4-4, -6-1, -7-1).
MESSAGE_CODES: dict[str, str] = {
    "1-1": "Acte",
    "1-2": "ARActe",
    "1-3": "AnomalieActe",
    "2-1": "CourrierSimple",
    "2-2": "ReponseCourrierSimple",
    "3-1": "DemandePieceComplementaire",
    "3-2": "ARDemandePieceComplementaire",
    "3-3": "RefusPieceComplementaire",
    "3-4": "PieceComplementaire",
    "3-5": "ARPieceComplementaire",
    "4-1": "LettreObservations",
    "4-2": "ARLettreObservations",
    "4-3": "RejetLettreObservations",
    "4-4": "ReponseLettreObservations",
    "4-5": "ARReponseRejetLettreObservations",
    "5-1": "DefereTA",
    "6-1": "Annulation",
    "6-2": "ARAnnulation",
    "7-1": "DemandeClassification",
    "7-2": "RetourClassification",
    "7-3": "ReponseClassificationSansChangement",
}
CODE_BY_MESSAGE = {root: code for code, root in MESSAGE_CODES.items()}

# S²LOW transaction types (ActesTransaction::$transactionTypes), as listed by
# api/list_document_prefecture.php and actes_transac_get_document.php.
TRANSACTION_TYPES: dict[int, str] = {
    1: "Transmission d'actes",
    2: "Courrier simple",
    3: "Demande de pièces complémentaires",
    4: "Lettre d'observation",
    5: "Déféré au Tribunal Administratif",
    6: "Annulation",
    7: "Demande de classification",
}

# S²LOW transaction statuses (ActesStatusSQL constants; labels of its actes_status table
# and Pastell's TdtConnecteur::getStatusString). The labels of 11, 16 and 22 are ours,
# spelt from S²LOW's constant names (…MESSAGE_PREF_ACQUITTEMENT_RECU, STATUS_DETRUITE,
# STATUS_ERREUR_SAE_DOC_INDISPONIBLES).
STATUSES: dict[int, str] = {
    -1: "Erreur",
    0: "Annulé",
    1: "Posté",
    2: "En attente de transmission",
    3: "Transmis",
    4: "Acquittement reçu",
    5: "Validé",
    6: "Refusé",
    7: "Document reçu",
    8: "Acquittement envoyé",
    11: "Acquittement reçu (message de la préfecture)",
    12: "Envoyé au SAE",
    13: "Archivé par le SAE",
    14: "Erreur lors de l'archivage",
    16: "Détruite",
    17: "En attente d'être postée",
    18: "En attente d'être signée",
    19: "En attente de transmission au SAE",
    20: "Erreur lors de l'envoi au SAE",
    21: "Document reçu (pas d'AR)",
    22: "Erreur SAE : documents indisponibles",
}
STATUS_ERROR, STATUS_CANCELLED, STATUS_POSTED = -1, 0, 1
STATUS_WAITING, STATUS_SENT, STATUS_ACKNOWLEDGED = 2, 3, 4
STATUS_DOCUMENT_RECEIVED, STATUS_DOCUMENT_RECEIVED_NO_AR = 7, 21

# Size limit of an archive: S²LOW's default ACTES_ARCHIVE_MAX_SIZE (150 MiB, init config).
ARCHIVE_MAX_SIZE = 150 * 1024 * 1024
