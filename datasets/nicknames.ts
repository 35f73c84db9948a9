/**
 * Formal given name → the informal forms people give at a front desk. Used by the nickname
 * corruption (Robert registered as Bob) and, reversed, by tests and linkers.
 */
export const NICKNAMES: Readonly<Record<string, readonly string[]>> = {
  // male
  Robert: ['Bob', 'Rob', 'Bobby', 'Robbie'],
  William: ['Bill', 'Will', 'Billy', 'Liam'],
  James: ['Jim', 'Jimmy', 'Jamie'],
  John: ['Jack', 'Johnny'],
  Thomas: ['Tom', 'Tommy'],
  Richard: ['Rich', 'Rick', 'Dick', 'Richie'],
  Michael: ['Mike', 'Mick', 'Mikey'],
  David: ['Dave', 'Davy'],
  Christopher: ['Chris', 'Kit'],
  Matthew: ['Matt'],
  Andrew: ['Andy', 'Drew'],
  Anthony: ['Tony', 'Ant'],
  Stephen: ['Steve'],
  Steven: ['Steve'],
  Edward: ['Ed', 'Eddie', 'Ted', 'Ned'],
  Daniel: ['Dan', 'Danny'],
  Joseph: ['Joe', 'Joey'],
  Samuel: ['Sam', 'Sammy'],
  Benjamin: ['Ben', 'Benny'],
  Alexander: ['Alex', 'Sandy', 'Xander'],
  Nicholas: ['Nick', 'Nicky'],
  Jonathan: ['Jon', 'Jonny'],
  Timothy: ['Tim', 'Timmy'],
  Peter: ['Pete'],
  Patrick: ['Pat', 'Paddy'],
  Charles: ['Charlie', 'Chas'],
  Henry: ['Harry', 'Hal'],
  Frederick: ['Fred', 'Freddie'],
  Albert: ['Bert', 'Al'],
  Alfred: ['Alf', 'Alfie'],
  Kenneth: ['Ken', 'Kenny'],
  Ronald: ['Ron', 'Ronnie'],
  Donald: ['Don', 'Donny'],
  Raymond: ['Ray'],
  Leonard: ['Len', 'Lenny'],
  Philip: ['Phil'],
  Douglas: ['Doug', 'Dougie'],
  Terence: ['Terry', 'Tel'],
  Francis: ['Frank', 'Fran'],
  Joshua: ['Josh'],
  Jacob: ['Jake'],
  Gerald: ['Gerry'],
  Reginald: ['Reg', 'Reggie'],
  Stanley: ['Stan'],
  Leslie: ['Les'],
  Geoffrey: ['Geoff'],
  Sebastian: ['Seb'],
  Nigel: ['Nige'],
  // female
  Elizabeth: ['Liz', 'Beth', 'Lizzie', 'Betty', 'Eliza'],
  Margaret: ['Maggie', 'Peggy', 'Meg', 'Madge'],
  Katherine: ['Kate', 'Katie', 'Kathy'],
  Catherine: ['Cathy', 'Kate', 'Katie', 'Cath'],
  Kathryn: ['Kate', 'Kathy'],
  Jennifer: ['Jen', 'Jenny'],
  Rebecca: ['Becky', 'Becca'],
  Victoria: ['Vicky', 'Tori'],
  Samantha: ['Sam', 'Sammy'],
  Deborah: ['Debbie', 'Deb'],
  Susan: ['Sue', 'Susie'],
  Patricia: ['Pat', 'Trish', 'Patsy'],
  Christine: ['Chris', 'Chrissie'],
  Jacqueline: ['Jackie'],
  Alexandra: ['Alex', 'Lexi'],
  Dorothy: ['Dot', 'Dolly', 'Dottie'],
  Joanne: ['Jo'],
  Stephanie: ['Steph'],
  Charlotte: ['Lottie', 'Charlie'],
  Amanda: ['Mandy'],
  Pamela: ['Pam'],
  Valerie: ['Val'],
  Gillian: ['Gill', 'Jill'],
  Sandra: ['Sandy'],
  Natalie: ['Nat'],
  Mary: ['Molly', 'Polly'],
  Teresa: ['Tess', 'Terri'],
  Jessica: ['Jess', 'Jessie'],
  Isabella: ['Bella', 'Izzy'],
  Olivia: ['Liv', 'Livvy'],
  Florence: ['Flo', 'Florrie'],
  Matilda: ['Tilly'],
  Amelia: ['Millie'],
  Nicola: ['Nicky'],
  Louise: ['Lou'],
  Caroline: ['Caz', 'Carrie'],
  Emily: ['Em', 'Emmy'],
  Ann: ['Annie'],
  Anne: ['Annie'],
  Angela: ['Angie'],
  Winifred: ['Winnie'],
  Kimberley: ['Kim'],
  Lesley: ['Les'],
  Beverley: ['Bev'],
};

let reverse: Map<string, string[]> | undefined;

/** Every formal name that has `nickname` among its informal forms (Sam → Samuel, Samantha). */
export function formalNamesFor(nickname: string): readonly string[] {
  if (reverse === undefined) {
    reverse = new Map();
    for (const [formal, nicks] of Object.entries(NICKNAMES)) {
      for (const n of nicks) {
        const list = reverse.get(n);
        if (list) list.push(formal);
        else reverse.set(n, [formal]);
      }
    }
  }
  return reverse.get(nickname) ?? [];
}
