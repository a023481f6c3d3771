// Page texts, French and English. Data-class names, advice and the fixed
// sentences are the same as the command line's (src/report/report.c), so a
// person reads the same thing on the page and in `breachcheck check`.

// Data-class and identifier-kind names (DESIGN.md §4, §7): written from
// src/vocab/vocab.c into vocab.js, like every other table of these names.
export { CLASS_LABELS, KIND_LABELS } from './vocab.js';

const BIT = (b) => (2 ** b) >>> 0;

// Advice (DESIGN.md §7), each shown when the breach exposed any class of mask (0: always).
export const ADVICE = [
  {
    id: 'phishing',
    mask: BIT(4) | BIT(5) | BIT(6) | BIT(8),
    en: 'Expect phishing: emails, text messages or calls that quote your doctor, your lab or your tests to look genuine. A lab, a doctor or the health insurance never asks for a password, a card number or a payment this way: do not click, and call back on a number you look up yourself.',
    fr: "Méfiez-vous de l'hameçonnage : des e-mails, SMS ou appels qui citent votre médecin, votre laboratoire ou vos analyses pour paraître authentiques. Un laboratoire, un médecin ou l'Assurance Maladie ne demande jamais de mot de passe, de numéro de carte ni de paiement de cette façon : ne cliquez pas, et rappelez au numéro que vous aurez cherché vous-même.",
  },
  {
    id: 'identity',
    mask: BIT(1) | BIT(2),
    en: 'Your social security number and date of birth serve to identify you to the health insurance and other services: watch your health-insurance account (ameli.fr) and your reimbursements, turn on two-factor authentication wherever it is offered, and report any account, claim or loan you do not know. These cannot be changed, so stay watchful for years.',
    fr: "Votre numéro de sécurité sociale et votre date de naissance servent à vous identifier auprès de l'Assurance Maladie et d'autres services : surveillez votre compte ameli et vos remboursements, activez la double authentification partout où elle est proposée, et signalez tout compte, remboursement ou crédit que vous ne connaissez pas. Ils ne se changent pas : restez vigilant pendant des années.",
  },
  {
    id: 'blackmail',
    mask: BIT(12) | BIT(16) | BIT(17) | BIT(18) | BIT(19),
    en: 'Medical information can be used for blackmail. If someone threatens to reveal it: never pay, keep the messages, and report it to the police or gendarmerie (and on internet-signalement.gouv.fr).',
    fr: "Des informations médicales peuvent servir au chantage. Si quelqu'un menace de les révéler : ne payez jamais, gardez les messages et signalez-le à la police ou à la gendarmerie (et sur internet-signalement.gouv.fr).",
  },
  {
    id: 'permanent',
    mask: 0,
    en: 'A leak cannot be "cleaned up": copies of the file circulate and cannot be recalled. Distrust any service offering to remove your data from it.',
    fr: "Une fuite ne peut pas être « nettoyée » : des copies du fichier circulent et ne peuvent pas être rappelées. Méfiez-vous de tout service qui propose d'en retirer vos données.",
  },
  {
    id: 'rights',
    mask: 0,
    en: 'Your rights (GDPR): ask the data controller below which of your data it held and what happened (right of access), ask it to erase what it still keeps (right to erasure), and you may complain to the CNIL.',
    fr: "Vos droits (RGPD) : demandez au responsable du traitement ci-dessous quelles données vous concernant il détenait et ce qui s'est passé (droit d'accès), demandez-lui d'effacer ce qu'il conserve (droit à l'effacement), et vous pouvez saisir la CNIL.",
  },
];

export const CNIL_COMPLAINT_URL = 'https://www.cnil.fr/fr/plaintes';

const T = {
  title: { fr: 'Mes données sont-elles dans la fuite ?', en: 'Is my data in the leak?' },
  lang_switch: { fr: 'English', en: 'Français' },
  lang_switch_label: { fr: 'Read this page in English', en: 'Lire cette page en français' },
  intro: {
    fr: "Un fichier de patients de laboratoires d'analyses médicales a fuité. Sur cette page, vous pouvez chercher si vous êtes dans ce fichier. Vous saurez aussi quelles données vous concernant ont fuité, et quoi faire. Ce que vous tapez ne quitte pas votre appareil en clair.",
    en: "A file of medical-lab patient records has leaked. On this page, you can search whether you are in this file. You will also learn which of your data leaked, and what to do. What you type never leaves your device in clear.",
  },
  about_heading: {
    fr: "Qui vous répond",
    en: "Who answers you",
  },
  about_loading: {
    fr: "Chargement des informations sur la fuite…",
    en: "Loading the information about the breach…",
  },
  about_unknown: {
    fr: "Les informations sur la fuite n'ont pas pu être chargées. Rechargez la page.",
    en: "The information about the breach could not be loaded. Reload the page.",
  },
  legal_heading: {
    fr: "Mentions légales",
    en: "Legal notice",
  },
  legal: {
    fr: "Cette page est publiée par le responsable du traitement nommé ci-dessus. Ce que vous tapez est transformé dans votre navigateur : le service ne reçoit ni votre nom, ni votre NIR, ni votre e-mail, ni votre téléphone. Le serveur voit votre adresse IP et l'heure, pour limiter les abus : il les garde quelques minutes en mémoire, jamais dans ses journaux. Le but : vous dire si vos données sont dans la fuite et quoi faire (RGPD, articles 34 et 6). Vous avez le droit d'accéder à vos données, de les faire effacer, et de vous plaindre à la CNIL. Pour toute question, écrivez au délégué à la protection des données.",
    en: "This page is published by the data controller named above. What you type is transformed in your browser: the service receives neither your name, nor your NIR, nor your email, nor your phone. The server sees your IP address and the time, to limit abuse: it keeps them a few minutes in memory, never in its logs. The purpose: to tell you whether your data is in the leak and what to do (GDPR, articles 34 and 6). You have the right to access your data, to have it erased, and to complain to the CNIL. For any question, write to the data-protection officer.",
  },
  form_legend: { fr: 'Ce que vous savez de vous', en: 'What you know about yourself' },
  form_hint: {
    fr: "Remplissez au moins un champ. Tous sont facultatifs. Pour chercher avec votre nom, donnez aussi votre prénom et votre date de naissance.",
    en: "Fill in at least one field. All of them are optional. To search with your name, also give your first name and your date of birth.",
  },
  claim_label: { fr: "J'ai reçu un courrier : le code de ma lettre", en: 'I received a letter: the code in my letter' },
  claim_hint: {
    fr: 'Seize caractères, par exemple 0T11-SWB6-4G91-SVS8. Avec le code, indiquez votre numéro de sécurité sociale et votre date de naissance : vous verrez tout ce que la fuite contient sur vous.',
    en: 'Sixteen characters, for example 0T11-SWB6-4G91-SVS8. With the code, give your social security number and your date of birth: you will see everything the leak holds about you.',
  },
  err_claim_bad_check: { fr: 'Ce code contient une faute de frappe : relisez chaque caractère sur votre lettre.', en: 'This code has a typo: check each character against your letter.' },
  err_claim_bad_length: { fr: 'Le code de votre lettre a 16 caractères (4 groupes de 4) : regardez s\'il est complet.', en: 'The code in your letter has 16 characters (4 groups of 4): check that it is complete.' },
  err_claim_bad_symbol: { fr: 'Le code contient un caractère qui ne peut pas y être : relisez chaque caractère.', en: 'The code holds a character that cannot be in it: check each character.' },
  err_nir_need_claim_id: { fr: 'Avec le code de votre lettre, indiquez votre numéro de sécurité sociale ou votre date de naissance.', en: 'With the code in your letter, give your social security number or your date of birth.' },
  nir_label: { fr: 'Numéro de sécurité sociale (NIR)', en: 'Social security number (NIR)' },
  nir_hint: { fr: '13 chiffres, ou 15 avec la clé ; par exemple 1 85 05 75 021 000 97', en: '13 digits, or 15 with the key; for example 1 85 05 75 021 000 97' },
  birth_label: { fr: 'Nom de naissance', en: 'Birth name' },
  usage_label: { fr: "Nom d'usage (facultatif, par exemple nom d'épouse)", en: 'Usage name (optional, e.g. married name)' },
  first_label: { fr: 'Prénom', en: 'First name' },
  first_hint: { fr: 'Le premier prénom suffit', en: 'The first given name is enough' },
  dob_label: { fr: 'Date de naissance', en: 'Date of birth' },
  dob_hint: { fr: 'JJ/MM/AAAA, par exemple 03/07/1985', en: 'DD/MM/YYYY, for example 03/07/1985' },
  email_label: { fr: 'Adresse e-mail', en: 'Email address' },
  phone_label: { fr: 'Numéro de téléphone', en: 'Phone number' },
  phone_hint: { fr: 'Par exemple 06 12 34 56 78, ou +32 470 12 34 56 à l\'étranger', en: 'For example 06 12 34 56 78, or +32 470 12 34 56 abroad' },
  skip: { fr: 'Aller au formulaire', en: 'Skip to the form' },
  submit: {
    fr: "Rechercher",
    en: "Search",
  },
  clear: { fr: 'Effacer', en: 'Clear' },
  working: {
    fr: "Recherche en cours…",
    en: "Searching…",
  },
  result_heading: { fr: 'Résultat', en: 'Result' },

  // field errors, by normalize reason
  err_nir_invalid_key: {
    fr: "La clé du NIR ne correspond pas. Relisez les deux derniers chiffres.",
    en: "The NIR key does not match. Read the last two digits again.",
  },
  err_nir_invalid_length: { fr: 'Le NIR compte 13 caractères, ou 15 avec la clé.', en: 'A NIR has 13 characters, or 15 with its key.' },
  err_nir_invalid_format: { fr: 'Le NIR ne contient que des chiffres (2A ou 2B pour la Corse, en 6e et 7e positions).', en: 'A NIR holds only digits (2A or 2B for Corsica, at positions 6 and 7).' },
  err_nir_empty: { fr: 'Le NIR ne contient aucun chiffre.', en: 'The NIR holds no digit.' },
  err_name_empty: { fr: 'Ce nom ne contient aucune lettre.', en: 'This name holds no letter.' },
  err_name_too_long: { fr: 'Ce nom est trop long.', en: 'This name is too long.' },
  err_dob_invalid_date: { fr: 'Date non comprise : utilisez le format JJ/MM/AAAA, par exemple 03/07/1985.', en: 'Date not understood: use DD/MM/YYYY, for example 03/07/1985.' },
  err_dob_incomplete_date: { fr: 'Indiquez le jour et le mois (JJ/MM/AAAA) : une date incomplète ne permet pas la recherche.', en: 'Give the day and the month (DD/MM/YYYY): an incomplete date cannot be searched.' },
  err_email_invalid_email: { fr: 'Adresse e-mail non valide : elle doit avoir la forme nom@example.fr.', en: 'Email address not valid: it must look like name@example.com.' },
  err_email_too_long: { fr: 'Adresse e-mail trop longue.', en: 'Email address too long.' },
  err_phone_invalid_phone: { fr: 'Numéro non compris : par exemple 06 12 34 56 78, ou +32 470 12 34 56 pour un numéro étranger.', en: 'Number not understood: for example 06 12 34 56 78, or +32 470 12 34 56 for a foreign number.' },
  err_need_namedob: { fr: 'Pour chercher par nom, indiquez le nom, le prénom et la date de naissance.', en: 'To search by name, give the name, the first name and the date of birth.' },
  err_nothing: { fr: 'Indiquez au moins un identifiant.', en: 'Fill in at least one identifier.' },
  err_form_summary: {
    fr: "Corrigez les champs signalés ci-dessus.",
    en: "Correct the fields marked above.",
  },

  // protocol errors
  err_network: { fr: 'Le service ne répond pas. Regardez si vous êtes bien connecté à Internet, puis réessayez.', en: 'The service does not answer. See whether you are connected to the Internet, then try again.' },
  err_rate_limited: {
    fr: "Trop de recherches depuis votre connexion en peu de temps.",
    en: "Too many searches from your connection in a short time.",
  },
  err_retry_in: {
    fr: "Réessayez dans {n} secondes.",
    en: "Try again in {n} seconds.",
  },
  err_retry_in_1: {
    fr: "Réessayez dans 1 seconde.",
    en: "Try again in 1 second.",
  },
  err_retry_later: { fr: 'Réessayez dans quelques minutes.', en: 'Try again in a few minutes.' },
  err_retry_in_min: { fr: 'Réessayez dans {n} minutes.', en: 'Try again in {n} minutes.' },
  err_verify_rate_limited: {
    fr: "Trop de codes demandés depuis votre connexion ou pour cette adresse.",
    en: 'Too many codes asked for from this connection or for this address.',
  },
  err_proof: {
    fr: "La réponse du serveur n'a pas passé le contrôle cryptographique (preuve invalide). Aucun résultat n'est affiché, car il pourrait être faux. Réessayez plus tard. Si cela se reproduit, signalez-le à l'exploitant du service.",
    en: "The server's answer failed the cryptographic check (invalid proof). No result is shown, as it could be wrong. Try again later. If it happens again, tell the operator of the service.",
  },
  err_hash: { fr: "Une partie de l'index téléchargée ne correspond pas à son empreinte : elle a pu être modifiée en chemin. Aucun résultat n'est affiché, car il pourrait être faux. Réessayez plus tard.", en: 'A part of the index that was downloaded does not match its fingerprint: it may have been altered on the way. No result is shown, as it could be wrong. Try again later.' },
  err_key_mismatch: { fr: "Le serveur et l'index publié ne correspondent pas (clé différente) : un résultat ne serait pas fiable, aucun n'est affiché. Réessayez plus tard.", en: 'The server and the published index do not match (different key): a result would not be reliable, so none is shown. Try again later.' },
  err_key_pinned: {
    fr: "Le serveur utilise une clé publique qui n'est pas celle attendue par cette page. Un serveur qui donnerait à chacun sa propre clé pourrait reconnaître ses visiteurs. Aucune recherche n'est faite.",
    en: "The server uses a public key that is not the one this page expects. A server giving each visitor a key of its own could recognise them. No search is made.",
  },
  err_config: { fr: 'Le service utilise un format que cette page ne comprend pas. Rechargez la page.', en: 'The service uses a format this page does not understand. Reload the page.' },
  err_stale: {
    fr: "L'index a été mis à jour pendant votre recherche. Relancez-la.",
    en: "The index was updated during your search. Please run it again.",
  },
  err_server: { fr: 'Le service a répondu par une erreur ({status}). Réessayez plus tard.', en: 'The service answered with an error ({status}). Try again later.' },

  // results
  found_summary_1_1: {
    fr: "Vous êtes dans cette fuite.",
    en: "You are in this breach.",
  },
  found_summary_1_m: {
    fr: "Vous êtes dans une fuite, parmi les {m} fuites consultées.",
    en: "You are in one breach, out of the {m} breaches searched.",
  },
  found_summary_n_m: {
    fr: "Vous êtes dans {n} fuites, parmi les {m} fuites consultées.",
    en: "You are in {n} breaches, out of the {m} breaches searched.",
  },
  breach_date: { fr: 'date de la fuite', en: 'breach date' },
  matched: { fr: 'Retrouvé avec', en: 'Found with' },
  exposed: { fr: 'Vos données exposées', en: 'Your data exposed' },
  records: { fr: 'Fiches', en: 'Records' },
  period: { fr: 'Période', en: 'Period' },
  period_range: { fr: 'de {a} à {b}', en: '{a} to {b}' },
  labs: { fr: 'Laboratoires', en: 'Labs' },
  labs_more: { fr: ' et d\'autres', en: ' and others' },
  tier: {
    fr: "Cette fuite contient des données de santé. Le nombre de fiches, les dates et les laboratoires ne sont montrés qu'avec le code de votre lettre ou après vérification de votre adresse e-mail.",
    en: "This breach holds health data. The number of records, the dates and the labs are only shown with the code of your letter or after your email address is verified.",
  },
  shared: {
    fr: "Cet identifiant ({kind}) est aussi celui d'autres personnes dans ce fichier (par exemple, un e-mail ou un téléphone de la famille). Nous ne pouvons donc pas dire quelles données vous concernant ont fuité. Pour le savoir, faites une recherche avec votre numéro de sécurité sociale, ou avec votre nom, votre prénom et votre date de naissance.",
    en: "This identifier ({kind}) is also used by other people in this file (for example, a family email or phone). So we cannot tell which of your data leaked. To find out, search with your social security number, or with your name, first name and date of birth.",
  },
  what_to_do: { fr: 'Que faire', en: 'What to do' },
  controller: { fr: 'Responsable du traitement', en: 'Data controller' },
  dpo: { fr: 'Délégué à la protection des données', en: 'Data-protection officer' },
  complaint: { fr: 'Réclamation', en: 'Complaint' },
  not_given: { fr: 'non communiqué', en: 'not given' },
  medical: { fr: "Le détail complet, y compris d'éventuelles informations médicales, n'est montré qu'avec le code de la lettre du responsable du traitement ou après vérification de votre adresse e-mail.", en: "The full details, including any medical information, are only shown with the claim code of the controller's letter or after verifying your email address." },
  not_found: {
    fr: "Nous n'avons pas trouvé ces identifiants dans la fuite.",
    en: "We did not find these identifiers in the breach.",
  },
  not_found_m: {
    fr: "Nous n'avons pas trouvé ces identifiants dans les {m} fuites consultées.",
    en: "We did not find these identifiers in the {m} breaches searched.",
  },
  ids_checked: {
    fr: "Identifiants recherchés",
    en: "Identifiers searched",
  },
  breaches_checked: {
    fr: "Fuites consultées",
    en: "Breaches searched",
  },
  not_found_notice: {
    fr: "Cela ne prouve pas que vos données n'ont pas fuité. Une faute de frappe ou une autre orthographe dans le fichier peut cacher une fiche. Les autres fuites ne sont pas couvertes. Essayez aussi vos autres identifiants : une autre adresse e-mail, votre nom d'usage, un autre numéro. En cas de doute, écrivez au délégué à la protection des données.",
    en: "This does not prove that your data did not leak. A typo or another spelling in the file can hide a record. Other breaches are not covered. Also try your other identifiers: another email address, your usage name, another phone number. If in doubt, write to the data-protection officer.",
  },
  not_found_private: {
    fr: "Sans preuve, une recherche par identifiant ne montre rien de cette fuite : même si vous êtes dans le fichier, elle répond « non trouvé ». Pour savoir, utilisez le code reçu par courrier, ou faites vérifier votre adresse e-mail.",
    en: "Without a proof, a search by identifier shows nothing of this breach: even if you are in the file, it answers \"not found\". To find out, use the code you received by post, or have your email address verified.",
  },
  not_found_private_m: {
    fr: "Sans preuve, une recherche par identifiant ne montre rien de ces fuites : même si vous êtes dans leurs fichiers, elle répond « non trouvé ». Pour savoir, utilisez le code reçu par courrier, ou faites vérifier votre adresse e-mail.",
    en: "Without a proof, a search by identifier shows nothing of these breaches: even if you are in their files, it answers \"not found\". To find out, use the code you received by post, or have your email address verified.",
  },
  not_found_proof: {
    fr: "Pour « {title} », cette page ne montre rien sans preuve : même si vous êtes dans le fichier, elle répond « non trouvé ». Pour savoir, utilisez le code reçu par courrier, ou faites vérifier votre adresse e-mail.",
    en: "For \"{title}\", this page shows nothing without a proof: even if you are in the file, it answers \"not found\". To find out, use the code you received by post, or have your email address verified.",
  },
  verify_heading: { fr: 'Voir le détail complet : vérifiez votre adresse e-mail', en: 'See the full details: verify your email address' },
  verify_intro: {
    fr: "Si votre adresse e-mail figurait dans votre fiche, vous pouvez voir tout ce que la fuite contient sur vous, y compris les informations médicales. Donnez cette adresse et votre numéro de sécurité sociale : nous envoyons un code à 6 chiffres à cette adresse.",
    en: 'If your email address was in your record, you can see everything the leak holds about you, medical information included. Give that address and your social security number: we send a 6-digit code to that address.',
  },
  verify_email_label: { fr: 'Adresse e-mail', en: 'Email address' },
  verify_nir_label: { fr: 'Numéro de sécurité sociale', en: 'Social security number' },
  verify_send: { fr: 'Envoyer le code', en: 'Send the code' },
  verify_code_label: { fr: 'Code reçu par e-mail (6 chiffres)', en: 'Code from the email (6 digits)' },
  verify_go: { fr: 'Voir mon dossier', en: 'See my record' },
  verify_sent: { fr: 'Un code a été envoyé. Il est valable 20 minutes.', en: 'A code was sent. It is valid for 20 minutes.' },
  verify_sending: { fr: 'Envoi du code…', en: 'Sending the code…' },
  verify_learns: {
    fr: "Ce que le serveur et son relais de courrier apprennent : votre adresse e-mail et l'heure. Pas votre numéro de sécurité sociale, ni si une fiche existe.",
    en: 'What the server and its mail relay learn: your email address and the time. Not your social security number, nor whether a record exists.',
  },
  verify_none: {
    fr: "Aucune fiche ne correspond à cette adresse et ce numéro. Une adresse partagée (celle de la famille) ou une fiche prélevée avant vos 18 ans ne permet pas cette vérification : utilisez le code de votre lettre, ou contactez le délégué à la protection des données.",
    en: 'No record matches this address and this number. A shared (family) address, or a record sampled before you turned 18, cannot be verified this way: use the code of your letter, or contact the data-protection officer.',
  },
  err_code_invalid: { fr: "Ce code ne correspond pas. Relisez l'e-mail et réessayez.", en: 'This code does not match. Read the email again and retry.' },
  err_code_expired: { fr: 'Ce code a expiré ou a déjà servi : demandez-en un nouveau.', en: 'This code has expired or was already used: ask for a new one.' },
  err_too_many_tries: { fr: 'Trop de codes erronés : demandez-en un nouveau.', en: 'Too many wrong codes: ask for a new one.' },
  err_mail_failed: { fr: "Le code n'a pas pu être envoyé à cette adresse. Relisez-la, ou réessayez plus tard.", en: 'The code could not be sent to that address. Read it again, or retry later.' },
  err_not_implemented: { fr: "Ce service ne propose pas la vérification par e-mail.", en: 'This service does not offer email verification.' },
  err_vemail_invalid_email: { fr: "Adresse e-mail non valide : un @ et un domaine avec un point, par exemple nom@example.fr.", en: 'Email address not valid: one @ and a domain with a dot, e.g. name@example.org.' },
  err_vemail_empty: { fr: "Saisissez votre adresse e-mail.", en: 'Enter your email address.' },
  err_vemail_too_long: { fr: "Adresse e-mail trop longue.", en: 'Email address too long.' },
  err_vnir: { fr: "Numéro de sécurité sociale non valide : 13 chiffres, ou 15 avec la clé.", en: 'Social security number not valid: 13 digits, or 15 with the key.' },
  err_vcode: { fr: 'Le code a 6 chiffres.', en: 'The code has 6 digits.' },
  buckets_from: { fr: 'Parties de l\'index lues sur : {host}.', en: 'Index parts read from: {host}.' },

  // privacy
  privacy_heading: { fr: 'Comment votre vie privée est protégée', en: 'How your privacy is protected' },
  privacy_sends_h: { fr: 'Ce que la page envoie', en: 'What the page sends' },
  privacy_sends: {
    fr: "Vos identifiants sont mis en forme puis « aveuglés » dans votre navigateur (protocole VOPRF, RFC 9497) : au serveur partent six nombres qui paraissent aléatoires, toujours six, que vous ayez rempli un champ ou tous. Jamais votre NIR, votre nom, votre date de naissance, votre e-mail ni votre téléphone. Pas de cookie, pas de mesure d'audience, rien n'est chargé depuis un autre site.",
    en: 'Your identifiers are put into a standard form and then "blinded" in your browser (VOPRF protocol, RFC 9497): what goes to the server is six numbers that look random, always six, whether you filled in one field or all of them. Never your NIR, name, date of birth, email or phone. No cookies, no analytics, nothing loaded from another site.',
  },
  privacy_server_h: { fr: 'Ce que le serveur voit et garde', en: 'What the server sees and keeps' },
  privacy_server: {
    fr: "Le serveur qui détient la clé calcule sur ces nombres et prouve qu'il a utilisé la bonne clé. Votre navigateur contrôle cette preuve. Le serveur voit votre adresse IP et l'heure, le temps de limiter les abus. Ses journaux ne gardent ni votre adresse, ni les nombres envoyés, ni les parties de l'index que vous lisez.",
    en: "The server holding the key computes on these numbers and proves it used the right key. Your browser checks that proof. The server sees your IP address and the time, to limit abuse. Its logs keep neither your address, nor the numbers sent, nor the parts of the index you read.",
  },
  privacy_cannot_h: { fr: 'Ce qu\'il ne peut pas voir', en: 'What it cannot see' },
  privacy_cannot: {
    fr: "Il ne peut pas savoir ce que vous avez tapé, ni si vous figurez dans la fuite : la réponse est déchiffrée dans votre navigateur seulement. L'index publié ne contient aucun identifiant en clair et ne peut pas être parcouru sans la clé du serveur.",
    en: 'It cannot know what you typed, nor whether you are in the leak: the answer is decrypted in your browser only. The published index holds no identifier in clear and cannot be searched without the server\'s key.',
  },
  privacy_leaks_h: { fr: 'Ce qui fuit encore', en: 'What still leaks' },
  privacy_leaks: {
    fr: "Pour trouver la réponse, la page lit six parties de l'index, dans un ordre aléatoire : celles de vos identifiants, complétées par des parties tirées au hasard au chargement de la page ; chacune mêle les entrées de nombreuses personnes{mix}. Qui verrait ces lectures, détiendrait aussi la clé et le fichier volé, pourrait les recouper pour retrouver une fiche. Sans quitter la page, refaire la recherche, ou en faire une autre avec d'autres champs, relit les mêmes parties tirées au hasard : seules les parties des champs ajoutés ou retirés changent. Après un rechargement de la page, d'autres parties sont tirées, et comparer les recherches d'avant et d'après aide à reconnaître les vraies. Enfin, le serveur sait qu'une recherche a eu lieu depuis votre adresse IP, et quand.",
    en: 'To find the answer, the page reads six parts of the index, in random order: those of your identifiers, completed by parts drawn at random when the page was loaded; each one mixes the entries of many people{mix}. Someone who saw those reads and also held the key and the stolen file could intersect them to find a record. Without leaving the page, running the search again, or another one with other fields, reads the same random parts: only the parts of the fields added or removed change. After reloading the page, other parts are drawn, and comparing searches from before and after helps tell the real ones apart. Finally, the server knows that a search was made from your IP address, and when.',
  },
  // {n}: min_real_entries of the index published now (#14 item 9)
  privacy_mix_n: { fr: ' (au moins {n} dans l\'index publié actuellement)', en: ' (at least {n} in the index published now)' },
  // where the parts come from, for the deployment serving this page (#15)
  privacy_host_unknown: {
    fr: "Ces parties doivent être servies par un hébergement distinct du serveur qui détient la clé.",
    en: 'Those parts should be served by a host separate from the server holding the key.',
  },
  privacy_host_separate: {
    fr: "Ici, ces parties sont servies par {host}, et non par le serveur qui détient la clé : pour recouper vos lectures, il faudrait que cet hébergement les enregistre et les remette au détenteur de la clé.",
    en: 'Here, those parts are served by {host}, not by the server holding the key: to intersect your reads, that host would have to record them and hand them over to the key holder.',
  },
  privacy_host_same: {
    fr: "Ici, ces parties sont servies par le serveur qui détient la clé lui-même. S'il enregistrait ces lectures, son exploitant pourrait réduire les candidats à une dizaine de personnes dès deux identifiants, et à une seule dès quatre.",
    en: 'Here, those parts are served by the server holding the key itself. If it recorded those reads, its operator could narrow the candidates down to about ten people from two identifiers, and to one from four.',
  },
  footer: { fr: 'Aucun cookie. Aucune mesure d\'audience. Aucune ressource tierce.', en: 'No cookies. No analytics. No third-party resources.' },
};

export function t(key, lang, vars = {}) {
  const e = T[key];
  if (!e) return key;
  return (e[lang] ?? e.fr).replace(/\{(\w+)\}/g, (_, v) => String(vars[v] ?? ''));
}

// "Try again in ..." for a Retry-After of n seconds (null: unknown): seconds
// up to 90, whole minutes (rounded up) beyond.
export function retryIn(n, lang) {
  if (n === null || n === undefined) return t('err_retry_later', lang);
  if (n > 90) return t('err_retry_in_min', lang, { n: Math.ceil(n / 60) });
  return t(n === 1 ? 'err_retry_in_1' : 'err_retry_in', lang, { n });
}

export function textKeys() {
  return Object.keys(T);
}

export function textEntry(key) {
  return T[key];
}

export function hasText(key) {
  return Object.prototype.hasOwnProperty.call(T, key);
}
