import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { round } from '../stats';

/*
 * Where the CPU went during a load run (Linux /proc): the server process, this bench's PostgreSQL
 * cluster, this process (the load generator) and the rest of the machine.
 * In cores: 1.0 is one core busy all the time. Approximate: a PostgreSQL backend that closes during
 * the run counts its whole life (it is reaped into the postmaster's children's time).
 */

export interface CpuShare {
  cores: number;
  machineBusyCores: number;
  serverCores: number;
  postgresCores: number;
  loadGeneratorCores: number;
  /** Everything else: other processes running meanwhile, and kernel time no process is charged with. */
  otherCores: number;
}

interface Proc {
  pid: number;
  ppid: number;
  comm: string;
  /** utime + stime. */
  ticks: number;
  /** cutime + cstime: children that ended and were reaped (PostgreSQL backends that closed). */
  reapedTicks: number;
}

function machineTicks(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  return { busy: total - fields[3]! - (fields[4] ?? 0), total };
}

function processes(): Proc[] {
  const all: Proc[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      // The fields after the command: state is the 3rd field of the line, so field n is f[n - 3].
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      all.push({ pid: Number(name), ppid: Number(f[1]), comm, ticks: Number(f[11]) + Number(f[12]), reapedTicks: Number(f[13]) + Number(f[14]) });
    } catch {
      // the process ended while we looked
    }
  }
  return all;
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

/** Ticks of this process's descendants by kind: the server (node running server/src/main.ts) and PostgreSQL. */
function descendantTicks(): { server: number; postgres: number } {
  const all = processes();
  const children = new Map<number, Proc[]>();
  for (const p of all) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const out = { server: 0, postgres: 0 };
  const visit = (pid: number) => {
    for (const p of children.get(pid) ?? []) {
      if (p.comm === 'postgres') out.postgres += p.ticks + p.reapedTicks;
      else if (p.comm.startsWith('node') && commandLine(p.pid).includes('server/src/main.ts')) out.server += p.ticks;
      visit(p.pid);
    }
  };
  visit(process.pid);
  return out;
}

export function startCpuMeter(): () => CpuShare {
  const machine = machineTicks();
  const before = descendantTicks();
  const self = process.cpuUsage();
  const started = process.hrtime.bigint();
  return () => {
    const m = machineTicks();
    const after = descendantTicks();
    const cores = cpus().length;
    const ticksPerCore = (m.total - machine.total) / cores;
    const busy = (m.busy - machine.busy) / ticksPerCore;
    const server = (after.server - before.server) / ticksPerCore;
    const postgres = (after.postgres - before.postgres) / ticksPerCore;
    const used = process.cpuUsage(self);
    const loadGenerator = (used.user + used.system) / 1e6 / (Number(process.hrtime.bigint() - started) / 1e9);
    return {
      cores,
      machineBusyCores: round(busy),
      serverCores: round(server),
      postgresCores: round(postgres),
      loadGeneratorCores: round(loadGenerator),
      otherCores: round(Math.max(0, busy - server - postgres - loadGenerator)),
    };
  };
}
