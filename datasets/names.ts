/**
 * Name lists for the synthetic population, written for this project (approximate UK frequency
 * order, not copied from any data file). Each list is in rough rank order; population.ts turns
 * ranks into Zipf-like weights. Given names come in birth-cohort flavours so that a 90-year-old is
 * more likely to be Dorothy than Isla.
 */

export type Origin = 'british' | 'irish' | 'southAsian' | 'polish' | 'chinese' | 'westAfrican';

/** Share of households by family origin (rough, for surname and given-name mix). */
export const ORIGIN_WEIGHTS: readonly (readonly [Origin, number])[] = [
  ['british', 0.82],
  ['irish', 0.03],
  ['southAsian', 0.075],
  ['polish', 0.025],
  ['chinese', 0.015],
  ['westAfrican', 0.035],
];

const w = (s: string): string[] => s.trim().split(/\s+/);

export interface Cohort {
  /** Last birth year this cohort covers (inclusive). */
  readonly until: number;
  readonly male: readonly string[];
  readonly female: readonly string[];
}

export const BRITISH_GIVEN_COHORTS: readonly Cohort[] = [
  {
    until: 1949,
    male: w(`John William George James Thomas Robert Kenneth Peter Arthur Frederick Albert Ronald Dennis
      Harold Leslie Stanley Alan Brian Derek Donald Raymond Roy Norman Eric Ernest Walter Charles Edward
      Frank Sidney Douglas Geoffrey Gordon Henry Alfred Reginald Joseph Francis Bernard Michael Leonard`),
    female: w(`Margaret Mary Patricia Joan Dorothy Jean Betty Doris Barbara Joyce Irene Eileen Kathleen
      Sheila Elizabeth Audrey Maureen Brenda Shirley Valerie Pamela Sylvia Iris Vera Edna Hilda Ivy
      Winifred Marjorie Peggy Gladys Elsie Lilian Evelyn Ruth Phyllis Beryl Rose Ann June`),
  },
  {
    until: 1974,
    male: w(`David John Michael Paul Peter Stephen Robert Mark Richard Andrew Alan Christopher Ian Anthony
      Gary Kevin Steven Philip Keith Martin Graham Brian Colin Nigel Neil Simon Trevor Barry Terence
      Malcolm Stuart Timothy Kenneth Patrick Jonathan Roger Derek Adrian Dean Darren`),
    female: w(`Susan Linda Christine Margaret Janet Patricia Carol Elizabeth Mary Anne Julie Karen
      Jacqueline Sandra Lesley Deborah Gillian Pauline Wendy Elaine Jennifer Alison Tracey Sharon Lynne
      Diane Helen Catherine Nicola Amanda Denise Dawn Beverley Jane Joanne Kim Angela Michelle Lorraine
      Teresa`),
  },
  {
    until: 1994,
    male: w(`Daniel James Christopher Matthew David Michael Andrew Richard Paul Mark Thomas Adam Robert
      John Lee Craig Ben Ryan Stephen Simon Jonathan Luke Anthony Gareth Jamie Scott Carl Dean Kevin Jason
      Nicholas Steven Alexander Martin Sean Philip Wayne Liam Benjamin Peter`),
    female: w(`Sarah Claire Emma Laura Lisa Nicola Rebecca Gemma Kelly Louise Michelle Joanne Samantha
      Rachel Amy Stacey Hayley Natalie Victoria Katie Jennifer Charlotte Lauren Jessica Kirsty Donna
      Catherine Hannah Danielle Zoe Leanne Kerry Jodie Stephanie Helen Amanda Lindsey Vicky Carly Kathryn`),
  },
  {
    until: 9999,
    male: w(`Oliver George Harry Noah Jack Leo Arthur Muhammad Oscar Charlie Jacob Thomas Henry William
      Freddie Alfie Theo Archie Joshua James Ethan Alexander Isaac Joseph Max Lucas Samuel Logan Daniel
      Dylan Mason Finley Jake Edward Tyler Riley Harrison Sebastian Louis Adam`),
    female: w(`Olivia Amelia Isla Ava Emily Sophie Grace Lily Mia Jessica Ella Isabella Poppy Evie
      Charlotte Chloe Freya Ruby Sophia Daisy Millie Phoebe Alice Florence Evelyn Hannah Holly Lucy Ellie
      Sienna Rosie Matilda Harper Willow Scarlett Erin Megan Molly Eva Amber`),
  },
];

/**
 * Given names with diacritics, apostrophes and hyphens, drawn at a low rate (see
 * RARE_GIVEN_RATE) so normalisers meet them without them dominating.
 */
export const RARE_GIVEN = {
  male: ['Seán', "D'Arcy", 'Jean-Paul', 'José', 'Jean-Luc', 'René', 'Jean-Pierre', 'Zoltán', 'Stéphane'],
  female: [
    'Zoë',
    'Chloé',
    'Anne-Marie',
    'Renée',
    'Mary-Jane',
    'Lily-Mae',
    'Ellie-May',
    "D'Arcy",
    'Zoé',
    'Rose-Marie',
    'Noémie',
    'Hélène',
  ],
} as const;
export const RARE_GIVEN_RATE = 0.015;

/** Given names for non-British origins; people of these origins take one of these at ORIGIN_GIVEN_RATE. */
export const ORIGIN_GIVEN: Record<Exclude<Origin, 'british'>, { male: string[]; female: string[] }> = {
  irish: {
    male: w(`Seán Ciarán Pádraig Liam Conor Declan Eoin Cian Oisín Darragh Patrick Michael Kevin Dermot
      Éamon Rónán`),
    female: w(`Siobhán Niamh Aoife Róisín Ciara Orla Sinéad Aisling Caoimhe Saoirse Bridget Mary Catherine
      Áine Eimear Sorcha`),
  },
  southAsian: {
    male: w(`Mohammed Muhammad Ali Ahmed Omar Ibrahim Yusuf Hassan Bilal Imran Arjun Rohan Ravi Sanjay Amir
      Zain Hamza Adil Tariq Gurpreet Harjit Sukhdev Rajesh Vikram Abdul Aryan`),
    female: w(`Aisha Fatima Ayesha Zainab Maryam Priya Sana Amina Noor Hafsa Anjali Simran Nadia Shabnam
      Farzana Rubina Parveen Nasreen Harpreet Jaspreet Sunita Asha Neha Pooja Khadija Safiya`),
  },
  polish: {
    male: w(`Piotr Krzysztof Tomasz Paweł Michał Marcin Łukasz Jakub Kamil Wojciech Mateusz Adam Marek
      Grzegorz Szymon Jan Filip Bartosz Dawid Andrzej`),
    female: w(`Agnieszka Katarzyna Anna Magdalena Joanna Monika Małgorzata Aleksandra Natalia Karolina Zofia
      Ewa Justyna Marta Paulina Oliwia Julia Maja Zuzanna Weronika`),
  },
  chinese: {
    male: w('Wei Jun Hao Jian Ming Lei Tao Yong Chen Bo Kai Zhen Ka-Wai Chi-Keung'),
    female: w('Mei Xin Ying Li Hui Jing Yan Ling Xiaoling Jia Qian Wing Mei-Ling Siu-Ming'),
  },
  westAfrican: {
    male: w(`Oluwaseun Chinedu Emeka Kwame Kofi Kwabena Yaw Kojo Tunde Adebayo Olumide Babatunde Chukwuemeka
      Femi Segun Ifeanyi Daniel Samuel Emmanuel Joshua`),
    female: w(`Chioma Ngozi Adaeze Funmilayo Folake Abena Ama Akosua Efua Yetunde Blessing Grace Precious
      Comfort Favour Temitope Oluwaseun Adwoa`),
  },
};
export const ORIGIN_GIVEN_RATE = 0.75;

export const BRITISH_SURNAMES = w(`
  Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson Thompson Wright
  Walker White Edwards Hughes Green Hall Lewis Harris Clarke Jackson Wood Turner Martin Cooper Hill Ward
  Morris Moore Clark Lee King Baker Harrison Morgan Allen James Scott Phillips Watson Davis Parker Price
  Bennett Young Griffiths Mitchell Kelly Cook Carter Richardson Bailey Collins Bell Shaw Murphy Miller Cox
  Richards Marshall Anderson Simpson Ellis Adams Wilkinson Foster Chapman Powell Webb Rogers Gray Mason
  Hunt Campbell Matthews Owen Palmer Holmes Mills Barnes Knight Lloyd Butler Russell Barker Fisher Stevens
  Jenkins Murray Dixon Harvey Graham Pearson Fletcher Walsh Gibson Howard Andrews Stewart Elliott Reynolds
  Saunders Payne Fox Ford Pearce Day Brooks West Lawrence Cole Atkinson Bradley Spencer Gill Dawson Ball
  Burton O'Brien Watts Rose Booth Perry Ryan Grant Wells Armstrong Francis Rees Hayes Hart Hudson Newman
  Barrett Webster Hunter Gregory Carr Lowe Page Marsh Riley Dunn Woods Parsons Berry Stone Reid Holland
  Hawkins Harding Porter Robertson Newton Oliver Reed Kennedy Williamson Bird Gardner Dean Lane Cooke
  Bates Henderson Parry Burgess Bishop Walton Burns Nicholson Shepherd Ross Cross Long Freeman Warren
  Nicholls Hamilton Byrne Sutton McDonald Yates Hodgson Robson Curtis Hopkins O'Connor Harper Coleman
  Watkins Moss McCarthy Chambers Griffin Sharp Hardy Wheeler Potter Osborne Johnston Gordon Doyle Wallace
  George Jordan Hutchinson Rowe Burke May Pritchard Gilbert Willis Higgins Read Miles Stevenson Stephenson
  Hammond Arnold Buckley Walters Hewitt Barber Nelson Slater Austin Sullivan Whitehead Mann Frost Lambert
  Stephens Blake Lynch Goodwin Barton Woodward Thomson Cunningham Quinn Barnett Baxter Clayton Nash
  Greenwood Jennings Holt Kemp Poole Gallagher Bond Stokes Tucker Davidson Fowler Heath Norman Middleton
  Lawson Banks French Stanley Jarvis Gibbs Ferguson Hayward Carroll Douglas Dickinson Todd Barlow Peters
  Lucas Knowles Hartley Simmons Morton Alexander Field Morrison MacDonald McKenzie MacLeod McLean
  McIntyre Fitzgerald Ap-Rhys Llewellyn Pugh Prosser Vaughan Meredith Lloyd-Jones`);

/**
 * A long tail of rarer English toponymic surnames (Ashworth, Thornley, Whitfield …), built from
 * parts so that most people do not share one of a few hundred names.
 */
export const SURNAME_PREFIXES = w(`Ash Black Brad Whit Thorn Ald Brom Cald Hart Hay Holl Kings Lang Mid Nor
  Rad Red Roth Sand Shel South Stan Stock Sut Wal West Wood Win Craw Dun Fair Green Hol Mar Brook Cran
  Ather Chad Crom Bur`);
export const SURNAME_SUFFIXES = w(
  'ley worth field ton ham by wood ford well bury den shaw ridge combe stead',
);
/** Share of British-origin people whose surname comes from the long tail instead of the ranked list. */
export const SURNAME_TAIL_RATE = 0.3;

export const ORIGIN_SURNAMES: Record<Exclude<Origin, 'british'>, string[]> = {
  irish: w(`Murphy Kelly O'Brien O'Sullivan Byrne Ryan O'Connor Walsh McCarthy O'Neill Doyle Gallagher
    Kennedy Lynch Murray Quinn Moore McLaughlin Carroll Connolly Daly O'Connell Dunne Brennan Burke Collins
    Casey Duffy Flanagan Fitzgerald Hughes Kavanagh McGrath O'Reilly Sheehan Nolan Power Regan McMahon
    Keane`),
  southAsian: w(`Patel Khan Ali Ahmed Hussain Begum Shah Singh Kaur Mahmood Iqbal Akhtar Rahman Islam Hassan
    Choudhury Uddin Miah Sharma Kumar Gill Sandhu Mistry Parmar Chauhan Bibi Malik Aslam Qureshi Mirza
    Siddiqui Desai Joshi Chowdhury Bhatti Sidhu Dhillon Grewal Rana Nair`),
  polish: w(`Nowak Kowalski Wiśniewski Wójcik Kowalczyk Kamiński Lewandowski Zieliński Szymański Woźniak
    Dąbrowski Kozłowski Jankowski Mazur Kwiatkowski Krawczyk Kaczmarek Piotrowski Grabowski Zając
    Pawłowski Michalski Nowakowski Wieczorek`),
  chinese: w(`Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo Lin He Gao Luo Chan Wong
    Cheung Lam Leung Ng Ho Tang Lau Yip`),
  westAfrican: w(`Adeyemi Okafor Eze Nwosu Ogunleye Oladipo Osei Mensah Owusu Boateng Asante Addo Agyeman
    Ansah Appiah Danso Darko Bello Balogun Akinola Ogundipe Adewale Adeleke Obi Chukwu Okeke Afolabi Olawale
    Kamara Koroma Sesay Bangura`),
};

/** Share of family names that are double-barrelled (two surnames joined by a hyphen). */
export const DOUBLE_BARRELLED_RATE = 0.01;

/** Polish surnames take a feminine ending for women: Kowalski → Kowalska. */
export function feminineSurname(family: string): string {
  if (family.endsWith('ski')) return family.slice(0, -3) + 'ska';
  if (family.endsWith('cki')) return family.slice(0, -3) + 'cka';
  if (family.endsWith('dzki')) return family.slice(0, -4) + 'dzka';
  return family;
}
