"""Word lists the generator draws from (unicode on purpose: accents, CJK, emoji, RTL)."""

from __future__ import annotations

FIRST_NAMES = (
    "Jane",
    "Amélie",
    "José",
    "Zoë",
    "Łukasz",
    "Søren",
    "Chloé",
    "François",
    "Ana",
    "Mohammed",
    "山田",
    "李",
    "Иван",
    "Ngozi",
    "Björn",
    "Inés",
    "Ngọc",
    "Aoife",
    "Priya",
    "Noah",
)
LAST_NAMES = (
    "Roe",
    "Müller",
    "García",
    "O'Brien",
    "太郎",
    "小龙",
    "Петров",
    "Nguyễn",
    "Dubois",
    "Kowalski",
    "Smith 🚀",
    "Ólafsdóttir",
    "Fernández",
    "Okafor",
    "Rossi",
    "Østergaard",
)
EMAIL_DOMAINS = ("example.com", "example.org", "mail.test", "acme.test", "exemple.fr")
COMPANIES = (
    ("Acme", "acme.test"),
    ("Globex", "globex.test"),
    ("Initech", "initech.test"),
    ("Umbrella", "umbrella.test"),
    ("Société Générale d'Essai", "sge.test"),
    ("株式会社テスト", "kk.test"),
)
PLACES = (
    ("FR", "IDF", "Paris", 48.8566, 2.3522, -60, ["fr", "en"]),
    ("US", "CA", "San José", 37.3382, -121.8863, 420, ["en"]),
    ("JP", "13", "東京", 35.6762, 139.6503, -540, ["ja", "en"]),
    ("DE", "BE", "Berlin", 52.52, 13.405, -60, ["de"]),
    ("BR", "SP", "São Paulo", -23.5505, -46.6333, 180, ["pt", "en"]),
    ("NG", "LA", "Lagos", 6.5244, 3.3792, -60, ["en"]),
)
SYSTEMS = (
    (("Mac OS", "14.4"), ("WebKit", "537.36"), ("Chrome", "124.0.6367.91", "124")),
    (("Windows", "10"), ("Blink", "124.0"), ("Edge", "124.0.2478.80", "124")),
    (("iOS", "17.4"), ("WebKit", "605.1.15"), ("Safari", "17.4", "17")),
    (("Linux", "x86_64"), ("Gecko", "125.0"), ("Firefox", "125.0", "125")),
)
SUBJECTS = (
    "Invoice #42",
    "Can't log in",
    "Question sur la facture",
    "配送について",
    "Feature request 💡",
    "Refund",
    "API limits",
    "",
)
TOPICS = ("Billing question", "Login issue", "Shipping", "Feature request", "Bug report")
SEGMENTS = ("customer", "billing", "vip", "lead", "churn-risk", "beta")
TEXTS = (
    "Hi, my invoice is wrong",
    "Thanks, that fixed it!",
    "Bonjour, j'ai une question 🙂",
    "ありがとうございます",
    "Can you check my account?",
    "Sure, one moment please.",
    "Is there an API for exports?",
    "We shipped a fix, can you retry?",
    "Привет! Всё работает.",
    "¿Dónde está mi pedido?",
)
ISPS = (("ExampleNet", "AS64500"), ("Orange", "AS3215"), ("Comcast", "AS7922"), ("NTT", "AS2914"))
OPERATORS = (
    ("Alex", "Martin", "owner", "Support lead", "online"),
    ("Maëlle", "Lefèvre", "member", "Support agent", "away"),
    ("Kenji", "Satō", "member", "Engineer", "offline"),
    ("Fatima", "Zahra", "member", "Success manager", "online"),
    ("Olu", "Adeyemi", "member", "Support agent", "offline"),
)
PAGES = (
    ("Pricing", "https://example.com/pricing"),
    ("Accueil", "https://example.com/fr/"),
    ("Docs — API", "https://example.com/docs/api"),
    ("ブログ", "https://example.com/ja/blog"),
)
HELPDESK_TOPICS = {
    "en": (
        ("Getting started", ("Create your account", "Invite your team", "Install the chatbox")),
        ("Billing", ("Change your plan", "Download an invoice", "Request a refund")),
        ("Troubleshooting", ("Reset your password", "Fix missing notifications")),
    ),
    "fr": (
        ("Premiers pas", ("Créer votre compte", "Inviter votre équipe", "Installer la chatbox", "Réglages")),
        ("Facturation", ("Changer d'offre", "Télécharger une facture", "Demander un remboursement", "Taxes")),
    ),
}
