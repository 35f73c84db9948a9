import { type Rng, WeightedTable } from './rng.js';

/** NHS England region codes and names. */
export const REGIONS = {
  Y56: 'London',
  Y58: 'South West',
  Y59: 'South East',
  Y60: 'Midlands',
  Y61: 'East of England',
  Y62: 'North West',
  Y63: 'North East and Yorkshire',
} as const;
export type RegionCode = keyof typeof REGIONS;
export const REGION_CODES = Object.keys(REGIONS) as RegionCode[];

/**
 * Postcode areas in England: region, approximate population in thousands (for weighting) and the
 * districts used, as number ranges ("1-18") and literal districts ("E1W"). The ranges are real
 * districts or close to them; what matters for the generator is that every postcode is
 * structurally valid and the area → region mapping is right. Cross-border areas (CH, SY, NP, TD…)
 * are left out so that each area belongs to exactly one region.
 */
const AREAS: readonly (readonly [area: string, region: RegionCode, thousands: number, districts: string])[] =
  [
    ['E', 'Y56', 1500, '1-18 E1W E20'],
    [
      'EC',
      'Y56',
      10,
      'EC1A EC1M EC1N EC1R EC1V EC1Y EC2A EC2M EC2N EC2R EC2V EC2Y EC3A EC3M EC3N EC3R EC3V EC4A EC4M',
    ],
    ['N', 'Y56', 1100, '1-22 N1C'],
    ['NW', 'Y56', 1000, '1-11'],
    ['SE', 'Y56', 1500, '1-28'],
    ['SW', 'Y56', 1600, '2-20 SW1A SW1E SW1H SW1P SW1V SW1W SW1X SW1Y'],
    ['W', 'Y56', 1000, '2-14 W1B W1C W1D W1F W1G W1H W1J W1K W1S W1T W1U W1W'],
    ['WC', 'Y56', 20, 'WC1A WC1B WC1E WC1H WC1N WC1R WC1V WC1X WC2A WC2B WC2E WC2H WC2N WC2R'],
    ['BR', 'Y56', 330, '1-8'],
    ['CR', 'Y56', 400, '0-9'],
    ['HA', 'Y56', 450, '0-9'],
    ['IG', 'Y56', 400, '1-11'],
    ['RM', 'Y56', 560, '1-20'],
    ['SM', 'Y56', 200, '1-7'],
    ['UB', 'Y56', 370, '1-11'],
    ['BN', 'Y59', 800, '1-27'],
    ['CT', 'Y59', 350, '1-21'],
    ['GU', 'Y59', 700, '1-35'],
    ['ME', 'Y59', 650, '1-20'],
    ['MK', 'Y59', 400, '1-19'],
    ['OX', 'Y59', 650, '1-18 20 25-29'],
    ['PO', 'Y59', 800, '1-22'],
    ['RG', 'Y59', 900, '1-31 40-45'],
    ['RH', 'Y59', 600, '1-20'],
    ['SL', 'Y59', 400, '0-9'],
    ['SO', 'Y59', 700, '14-24 30-32 40-45 50-53'],
    ['TN', 'Y59', 700, '1-40'],
    ['HP', 'Y59', 500, '1-23'],
    ['BA', 'Y58', 350, '1-16'],
    ['BH', 'Y58', 550, '1-25'],
    ['BS', 'Y58', 1100, '1-16 20-41'],
    ['DT', 'Y58', 250, '1-11'],
    ['EX', 'Y58', 500, '1-39'],
    ['GL', 'Y58', 650, '1-20 50-56'],
    ['PL', 'Y58', 450, '1-35'],
    ['SN', 'Y58', 550, '1-16 25-26'],
    ['TA', 'Y58', 350, '1-24'],
    ['TQ', 'Y58', 300, '1-14'],
    ['TR', 'Y58', 400, '1-27'],
    ['B', 'Y60', 1400, '1-50 60-80'],
    ['CV', 'Y60', 900, '1-13 21-23 31-37'],
    ['DE', 'Y60', 800, '1-24 45 55-75'],
    ['DY', 'Y60', 500, '1-14'],
    ['LE', 'Y60', 1100, '1-19 65-67'],
    ['LN', 'Y60', 350, '1-13'],
    ['NG', 'Y60', 1300, '1-25 31-34'],
    ['NN', 'Y60', 650, '1-18 29'],
    ['ST', 'Y60', 800, '1-21'],
    ['TF', 'Y60', 250, '1-13'],
    ['WR', 'Y60', 350, '1-15'],
    ['WS', 'Y60', 550, '1-15'],
    ['WV', 'Y60', 450, '1-16'],
    ['HR', 'Y60', 180, '1-9'],
    ['CB', 'Y61', 450, '1-11 21-25'],
    ['CM', 'Y61', 800, '0-24 77'],
    ['CO', 'Y61', 500, '1-16'],
    ['IP', 'Y61', 650, '1-33'],
    ['NR', 'Y61', 850, '1-35'],
    ['PE', 'Y61', 1000, '1-38'],
    ['SG', 'Y61', 500, '1-19'],
    ['AL', 'Y61', 250, '1-10'],
    ['LU', 'Y61', 350, '1-7'],
    ['SS', 'Y61', 550, '0-17'],
    ['WD', 'Y61', 350, '3-7 17-19 23-25'],
    ['M', 'Y62', 1200, '1-35 38 40-46 50 90'],
    ['L', 'Y62', 900, '1-40'],
    ['WA', 'Y62', 700, '1-16'],
    ['WN', 'Y62', 350, '1-8'],
    ['BL', 'Y62', 350, '0-9'],
    ['OL', 'Y62', 450, '1-16'],
    ['SK', 'Y62', 700, '1-17'],
    ['PR', 'Y62', 750, '0-9 25-26'],
    ['BB', 'Y62', 500, '0-12 18'],
    ['LA', 'Y62', 400, '1-23'],
    ['CA', 'Y62', 350, '1-28'],
    ['FY', 'Y62', 300, '0-8'],
    ['CW', 'Y62', 500, '1-12'],
    ['LS', 'Y63', 900, '1-29'],
    ['BD', 'Y63', 600, '1-24'],
    ['HD', 'Y63', 350, '1-9'],
    ['HX', 'Y63', 200, '1-7'],
    ['WF', 'Y63', 600, '1-17'],
    ['HG', 'Y63', 180, '1-5'],
    ['YO', 'Y63', 500, '1-32 41-43 60-62'],
    ['S', 'Y63', 1100, '1-36 40-45 60-66 70-75'],
    ['DN', 'Y63', 700, '1-22 31-41'],
    ['HU', 'Y63', 600, '1-20'],
    ['NE', 'Y63', 1200, '1-49 61-71'],
    ['SR', 'Y63', 300, '1-8'],
    ['DH', 'Y63', 300, '1-9'],
    ['DL', 'Y63', 350, '1-17'],
    ['TS', 'Y63', 650, '1-29'],
  ];

function expandDistricts(area: string, spec: string): string[] {
  const out: string[] = [];
  for (const token of spec.split(' ')) {
    const range = /^(\d+)-(\d+)$/.exec(token);
    if (range) for (let n = Number(range[1]); n <= Number(range[2]); n++) out.push(area + n);
    else if (/^\d+$/.test(token)) out.push(area + token);
    else out.push(token);
  }
  return out;
}

const AREA_REGION = new Map<string, RegionCode>(AREAS.map(([area, region]) => [area, region]));

export interface District {
  readonly outward: string;
  readonly region: RegionCode;
}

/** Every district, weighted by its area's population shared equally among the area's districts. */
export const DISTRICTS = new WeightedTable<District>(
  AREAS.flatMap(([area, region, thousands, spec]) => {
    const districts = expandDistricts(area, spec);
    return districts.map((outward) => [{ outward, region }, thousands / districts.length] as const);
  }),
);

/** The region of a canonical or sloppy postcode, from its area letters; undefined outside the table. */
export function regionForPostcode(postcode: string): RegionCode | undefined {
  const area = /^[A-Za-z]{1,2}/.exec(postcode.trim())?.[0]?.toUpperCase();
  return area === undefined ? undefined : AREA_REGION.get(area);
}

/** Inward-code letters: the alphabet without C I K M O V. */
const INWARD_LETTERS = 'ABDEFGHJLNPQRSTUWXYZ';

/** The UK postcode shape (canonical form, single space). */
export const POSTCODE_PATTERN = /^[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][ABD-HJLNP-UW-Z]{2}$/;

export function randomInward(rng: Rng): string {
  return String(rng.int(10)) + INWARD_LETTERS[rng.int(20)] + INWARD_LETTERS[rng.int(20)];
}

const STREET_NAMES = `High Station Church Park Victoria Green Manor Mill School Queen's King's New Grange
  Chapel Springfield Windsor Richmond York Albert Alexandra Beech Oak Elm Ash Willow Cedar Maple Hawthorn
  Rowan Meadow Orchard Brook Riverside Highfield Westfield Fairfield Kingsway St John's St Mary's
  St Andrew's Cromwell Nelson Wellington Marlborough Stanley Grosvenor Clarence Cavendish Balmoral Mount
  Hillside Woodland Moorland Heather Primrose Bluebell Lavender Cherry Chestnut Sycamore Lime Poplar
  Holly Ivy Juniper Larch Birch Hazel Thornhill Broadway Castle Abbey Priory Bridge Market Water Forge
  Farm Lodge Vicarage Rectory Court Hall Bell Crown Swan Rose Lark Wren Robin Kestrel Falcon Heron
  Shakespeare Milton Tennyson Byron Keats Wordsworth Chaucer Darwin Newton Faraday Brunel Stephenson
  Telford Wesley Hampden Baden-Powell Ladysmith Mafeking Trafalgar Waterloo Blenheim Coronation Jubilee
  Gladstone Disraeli Peel Palmerston Salisbury Asquith`
  .trim()
  .split(/\s+/);

/** Multi-word street names (St John's) are joined back after the split above. */
const STREETS: readonly string[] = (() => {
  const out: string[] = [];
  for (let i = 0; i < STREET_NAMES.length; i++) {
    const s = STREET_NAMES[i]!;
    if (s === 'St' && i + 1 < STREET_NAMES.length) out.push(`St ${STREET_NAMES[++i]}`);
    else out.push(s);
  }
  return out;
})();

const STREET_TYPES = new WeightedTable<string>([
  ['Road', 30],
  ['Street', 18],
  ['Lane', 10],
  ['Avenue', 9],
  ['Close', 9],
  ['Drive', 7],
  ['Way', 5],
  ['Gardens', 4],
  ['Crescent', 4],
  ['Place', 3],
  ['Grove', 3],
  ['Terrace', 3],
  ['Court', 2],
  ['Walk', 1],
  ['Row', 1],
  ['Mews', 1],
]);

/** Share of addresses that are flats ("Flat 3, 12 Park Road" — a comma the CSV writer must quote). */
const FLAT_RATE = 0.08;

export interface Home {
  readonly postcode: string;
  readonly address: string;
  readonly region: RegionCode;
}

export function randomHome(rng: Rng): Home {
  const district = DISTRICTS.sample(rng);
  const postcode = `${district.outward} ${randomInward(rng)}`;
  const u = rng.float();
  const houseNumber = 1 + Math.floor(240 * u * u);
  const street = `${rng.pick(STREETS)} ${STREET_TYPES.sample(rng)}`;
  const address = rng.chance(FLAT_RATE)
    ? `Flat ${rng.range(1, 24)}, ${houseNumber} ${street}`
    : `${houseNumber} ${street}`;
  return { postcode, address, region: district.region };
}
