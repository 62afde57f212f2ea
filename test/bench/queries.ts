import type { SearchParams } from '../../shared/contract';

/**
 * The fixed set of realistic searches a clinician makes during calls, by category. Postcodes are
 * spread over England's cities and towns; text is what people type (often partial words).
 */
export const BENCH_QUERIES: Record<'text' | 'postcode_open_now' | 'type_age' | 'combined' | 'typing', SearchParams[]> = {
  text: [
    { text: 'sanct' },
    { text: 'crisis caf' },
    { text: 'safe haven' },
    { text: 'leeds' },
    { text: 'camberwell' },
    { text: 'mind' },
    { text: 'young people' },
    { text: 'bereave' },
    { text: 'text' },
    { text: 'home treatment' },
  ],
  postcode_open_now: [
    { postcode: 'SE5 8AZ', openNow: true },
    { postcode: 'M1 1AE', openNow: true },
    { postcode: 'LS1 4', openNow: true },
    { postcode: 'B33 8', openNow: true },
    { postcode: 'NE1 4', openNow: true },
    { postcode: 'BS1 5', openNow: true },
    { postcode: 'PL4 8', openNow: true },
    { postcode: 'NR1 3', openNow: true },
    { postcode: 'W1', openNow: true },
    { postcode: 'cb2 1', openNow: true },
  ],
  type_age: [
    { postcode: 'SE5 8AZ', types: ['cyp_crisis'], age: 15 },
    { postcode: 'M1 1AE', types: ['crisis_cafe', 'safe_haven'], age: 34 },
    { postcode: 'LS1 4', types: ['sanctuary'], age: 22 },
    { postcode: 'B33 8', types: ['talking_therapies'], age: 17 },
    { postcode: 'NE1 4', types: ['crisis_house', 'crisis_resolution_home_treatment'], age: 45 },
    { postcode: 'BS1 5', types: ['voluntary_support'], age: 70 },
    { postcode: 'PL4 8', types: ['crisis_helpline'], age: 16 },
    { postcode: 'NR1 3', types: ['substance_misuse'], age: 29 },
  ],
  combined: [
    { text: 'caf', postcode: 'SE5 8AZ', openNow: true, age: 30, radiusKm: 10 },
    { text: 'crisis', postcode: 'M1 1AE', types: ['crisis_cafe', 'sanctuary', 'safe_haven'], openNow: true, age: 19 },
    { text: 'young', postcode: 'LS1 4', age: 14, referralRoutes: ['self'] },
    { text: 'haven', postcode: 'B33 8', openNow: true, radiusKm: 15 },
    { text: 'line', postcode: 'NE1 4', types: ['crisis_helpline'], openNow: true },
    { text: 'talk', postcode: 'BS1 5', age: 40, referralRoutes: ['self', 'gp'] },
  ],
  // What the desk is asked while a word is being typed, a search at each key: short beginnings of
  // common words match half the directory or more ("cr" 55,219 of 100,000 services, "c" 97,814).
  // The screen waits for two letters ("c" is a core API call only, the dearest there is).
  typing: [
    { text: 'c' },
    { text: 'cr' },
    { text: 'cri' },
    { text: 'cris' },
    { text: 'crisis ca' },
    { text: 'sa' },
    { text: 'cr', postcode: 'SE5 8AZ', openNow: true },
    { text: 'cri', postcode: 'SE5 8AZ', openNow: true },
    { text: 'yo', postcode: 'M1 1AE', age: 16 },
    { text: 'you', postcode: 'M1 1AE', age: 16 },
    { text: 'ha', postcode: 'LS1 4', openNow: true },
  ],
};

/**
 * Times every query of every category, `rounds` times over; counts matches on the first round.
 * Beside the wall-clock time, the process's CPU time per query: on a machine busy with other work
 * the wall clock measures the queue for a core, the CPU time still the work done.
 */
export async function timeQueries(
  queries: Record<string, SearchParams[]>,
  rounds: number,
  run: (q: SearchParams) => number | Promise<number>,
): Promise<{ latencies: Record<string, number[]>; cpu: Record<string, number[]>; totals: Record<string, number[]> }> {
  const latencies: Record<string, number[]> = {};
  const cpu: Record<string, number[]> = {};
  const totals: Record<string, number[]> = {};
  for (let round = 0; round < rounds; round++) {
    for (const [category, list] of Object.entries(queries)) {
      for (const q of list) {
        const started = performance.now();
        const cpuStarted = process.cpuUsage();
        const matches = await run(q);
        (latencies[category] ??= []).push(performance.now() - started);
        const used = process.cpuUsage(cpuStarted);
        (cpu[category] ??= []).push((used.user + used.system) / 1000);
        if (round === 0) (totals[category] ??= []).push(matches);
      }
    }
  }
  return { latencies, cpu, totals };
}
