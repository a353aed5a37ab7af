/**
 * The real top of the NHS England organisation hierarchy that the synthetic universe hangs practices from: the
 * seven regions and the 42 integrated care boards, with their public ODS codes and names. Sub-ICB locations and
 * practices below them are synthetic (organisations.ts).
 *
 * Per region also: the leading letters practice ODS codes there usually carry (inherited from the old health
 * authority areas) and a few postcode areas, so synthetic codes and addresses look plausible for the region.
 */

export interface RegionSeed {
  readonly odsCode: string;
  readonly name: string;
  readonly practiceCodeLetters: readonly string[];
  readonly postcodeAreas: readonly string[];
}

export interface IcbSeed {
  readonly odsCode: string;
  /** The name as used in Sub-ICB location names, e.g. "NHS Kent and Medway" → "NHS Kent and Medway ICB - 91Q". */
  readonly shortName: string;
  readonly regionOdsCode: string;
  /** The real code of one of its Sub-ICB locations, where it is well known; others are synthetic. */
  readonly knownSicblCode?: string;
}

export const NHS_REGIONS: readonly RegionSeed[] = [
  { odsCode: "Y56", name: "London", practiceCodeLetters: ["E", "F"], postcodeAreas: ["E", "N", "NW", "SE", "SW", "W", "HA", "CR"] },
  { odsCode: "Y58", name: "South West", practiceCodeLetters: ["L"], postcodeAreas: ["BS", "EX", "PL", "TR", "BA", "GL", "TA", "DT"] },
  { odsCode: "Y59", name: "South East", practiceCodeLetters: ["G", "H", "J", "K"], postcodeAreas: ["ME", "CT", "TN", "GU", "RH", "BN", "PO", "SO", "OX", "RG"] },
  { odsCode: "Y60", name: "Midlands", practiceCodeLetters: ["C", "M"], postcodeAreas: ["B", "CV", "WV", "DE", "NG", "LE", "LN", "NN", "ST", "WR"] },
  { odsCode: "Y61", name: "East of England", practiceCodeLetters: ["D"], postcodeAreas: ["CB", "NR", "IP", "CO", "CM", "LU", "MK", "SG", "AL", "PE"] },
  { odsCode: "Y62", name: "North West", practiceCodeLetters: ["N", "P"], postcodeAreas: ["M", "L", "PR", "LA", "CH", "WA", "BB", "BL", "OL"] },
  { odsCode: "Y63", name: "North East and Yorkshire", practiceCodeLetters: ["A", "B"], postcodeAreas: ["NE", "SR", "DH", "TS", "YO", "HU", "LS", "BD", "S", "HG"] },
];

export const INTEGRATED_CARE_BOARDS: readonly IcbSeed[] = [
  { odsCode: "QMJ", shortName: "NHS North Central London", regionOdsCode: "Y56", knownSicblCode: "93C" },
  { odsCode: "QMF", shortName: "NHS North East London", regionOdsCode: "Y56" },
  { odsCode: "QRV", shortName: "NHS North West London", regionOdsCode: "Y56" },
  { odsCode: "QKK", shortName: "NHS South East London", regionOdsCode: "Y56", knownSicblCode: "72Q" },
  { odsCode: "QWE", shortName: "NHS South West London", regionOdsCode: "Y56", knownSicblCode: "36L" },
  { odsCode: "QT6", shortName: "NHS Cornwall and the Isles of Scilly", regionOdsCode: "Y58", knownSicblCode: "11N" },
  { odsCode: "QJK", shortName: "NHS Devon", regionOdsCode: "Y58", knownSicblCode: "15N" },
  { odsCode: "QSL", shortName: "NHS Somerset", regionOdsCode: "Y58", knownSicblCode: "11X" },
  { odsCode: "QUY", shortName: "NHS Bristol, North Somerset and South Gloucestershire", regionOdsCode: "Y58", knownSicblCode: "15C" },
  { odsCode: "QR1", shortName: "NHS Gloucestershire", regionOdsCode: "Y58", knownSicblCode: "11M" },
  { odsCode: "QOX", shortName: "NHS Bath and North East Somerset, Swindon and Wiltshire", regionOdsCode: "Y58", knownSicblCode: "92G" },
  { odsCode: "QVV", shortName: "NHS Dorset", regionOdsCode: "Y58", knownSicblCode: "11J" },
  { odsCode: "QKS", shortName: "NHS Kent and Medway", regionOdsCode: "Y59", knownSicblCode: "91Q" },
  { odsCode: "QXU", shortName: "NHS Surrey Heartlands", regionOdsCode: "Y59", knownSicblCode: "92A" },
  { odsCode: "QNX", shortName: "NHS Sussex", regionOdsCode: "Y59" },
  { odsCode: "QRL", shortName: "NHS Hampshire and Isle of Wight", regionOdsCode: "Y59" },
  { odsCode: "QU9", shortName: "NHS Buckinghamshire, Oxfordshire and Berkshire West", regionOdsCode: "Y59" },
  { odsCode: "QNQ", shortName: "NHS Frimley", regionOdsCode: "Y59" },
  { odsCode: "QHL", shortName: "NHS Birmingham and Solihull", regionOdsCode: "Y60", knownSicblCode: "15E" },
  { odsCode: "QUA", shortName: "NHS Black Country", regionOdsCode: "Y60" },
  { odsCode: "QWU", shortName: "NHS Coventry and Warwickshire", regionOdsCode: "Y60" },
  { odsCode: "QGH", shortName: "NHS Herefordshire and Worcestershire", regionOdsCode: "Y60" },
  { odsCode: "QOC", shortName: "NHS Shropshire, Telford and Wrekin", regionOdsCode: "Y60" },
  { odsCode: "QNC", shortName: "NHS Staffordshire and Stoke-on-Trent", regionOdsCode: "Y60" },
  { odsCode: "QJ2", shortName: "NHS Derby and Derbyshire", regionOdsCode: "Y60", knownSicblCode: "15M" },
  { odsCode: "QJM", shortName: "NHS Lincolnshire", regionOdsCode: "Y60", knownSicblCode: "71E" },
  { odsCode: "QK1", shortName: "NHS Leicester, Leicestershire and Rutland", regionOdsCode: "Y60" },
  { odsCode: "QPM", shortName: "NHS Northamptonshire", regionOdsCode: "Y60", knownSicblCode: "78H" },
  { odsCode: "QT1", shortName: "NHS Nottingham and Nottinghamshire", regionOdsCode: "Y60", knownSicblCode: "52R" },
  { odsCode: "QM7", shortName: "NHS Hertfordshire and West Essex", regionOdsCode: "Y61" },
  { odsCode: "QH8", shortName: "NHS Mid and South Essex", regionOdsCode: "Y61" },
  { odsCode: "QJG", shortName: "NHS Suffolk and North East Essex", regionOdsCode: "Y61" },
  { odsCode: "QMM", shortName: "NHS Norfolk and Waveney", regionOdsCode: "Y61", knownSicblCode: "26A" },
  { odsCode: "QUE", shortName: "NHS Cambridgeshire and Peterborough", regionOdsCode: "Y61", knownSicblCode: "06H" },
  { odsCode: "QHG", shortName: "NHS Bedfordshire, Luton and Milton Keynes", regionOdsCode: "Y61" },
  { odsCode: "QE1", shortName: "NHS Lancashire and South Cumbria", regionOdsCode: "Y62" },
  { odsCode: "QOP", shortName: "NHS Greater Manchester", regionOdsCode: "Y62" },
  { odsCode: "QYG", shortName: "NHS Cheshire and Merseyside", regionOdsCode: "Y62" },
  { odsCode: "QHM", shortName: "NHS North East and North Cumbria", regionOdsCode: "Y63" },
  { odsCode: "QOQ", shortName: "NHS Humber and North Yorkshire", regionOdsCode: "Y63" },
  { odsCode: "QF7", shortName: "NHS South Yorkshire", regionOdsCode: "Y63" },
  { odsCode: "QWO", shortName: "NHS West Yorkshire", regionOdsCode: "Y63" },
];

/** Words practice names are built from ("Riverside Medical Centre", "Dr Patel & Partners"). */
export const PRACTICE_NAME_PLACES: readonly string[] = [
  "Riverside", "Parkview", "Oakwood", "Elmfield", "Meadowside", "Hillcrest", "Brookfield", "Castle", "Abbey", "Market Street",
  "Church Road", "Station Road", "High Street", "Victoria", "Albion", "Kingsway", "Northgate", "Southgate", "Westfield", "Eastgate",
  "Millbrook", "Beechwood", "Willow Tree", "Cedar", "Orchard", "Greenbank", "Fairfield", "Springfield", "Lakeside", "Bridge Street",
  "Moorland", "Heathfield", "Priory", "Manor", "Rosehill", "Ashgrove", "The Limes", "Grange", "Valley", "Harbour",
  "Queens Road", "Kings Park", "Woodlands", "Chapel Street", "Bank House", "Old School", "Mill Lane", "Cross Street", "Park Lane", "Hollybush",
];

export const PRACTICE_NAME_SURNAMES: readonly string[] = [
  "Smith", "Patel", "Khan", "Jones", "Williams", "Brown", "Taylor", "Ahmed", "Wilson", "Evans",
  "Thomas", "Roberts", "Shah", "Hughes", "Wright", "Walker", "Green", "Hall", "Wood", "Clarke",
  "Ali", "Singh", "Hussain", "Morgan", "Murphy", "Kaur", "O'Brien", "Edwards", "Lewis", "Begum",
];

export const PRACTICE_NAME_SUFFIXES: readonly string[] = [
  "Surgery", "Medical Centre", "Health Centre", "Medical Practice", "Group Practice", "Family Practice", "Partnership",
];

/** Product names for the ASID lookup's PName column, and manufacturer names for MName. */
export const SUPPLIER_PRODUCTS: Readonly<Record<string, { readonly manufacturer: string; readonly product: string }>> = {
  EMIS: { manufacturer: "EMIS Health", product: "EMIS Web" },
  TPP: { manufacturer: "The Phoenix Partnership", product: "SystmOne" },
  Vision: { manufacturer: "Cegedim Healthcare Solutions", product: "Vision 3" },
  Microtest: { manufacturer: "Microtest Ltd", product: "Evolution" },
};
