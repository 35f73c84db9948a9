import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.js';
import { CLI } from '../helpers/paths.js';

let child: ChildProcess | undefined;
afterAll(() => {
  child?.kill('SIGKILL');
});

describe('cohortlink demo --serve', () => {
  it('links the demo inside the service and answers a reviewer, then stops on SIGINT', async () => {
    const dir = tempDir('cohortlink-demo-serve-');
    const proc = spawn(
      process.execPath,
      [CLI, 'demo', '--dir', dir, '--people', '1500', '--serve', '--port', '0'],
      {
        env: { ...process.env, CI: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child = proc;
    let out = '';
    let err = '';
    proc.stderr!.on('data', (d) => {
      err += d;
    });
    const url = await new Promise<string>((resolve, reject) => {
      proc.stdout!.on('data', (d) => {
        out += d;
        const m = /linkage service ready on (http:\/\/[^\s]+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      proc.on('exit', (code) => reject(new Error(`demo exited ${code}: ${err.slice(-2000)}`)));
    });
    const tokens = JSON.parse(readFileSync(join(dir, 'service-tokens.json'), 'utf8'));
    const reviewer = tokens.organisations.find((o: { role: string }) => o.role === 'reviewer').token;
    const res = await fetch(`${url}/runs/${tokens.runs[0].runId}/summary`, {
      headers: { authorization: `Bearer ${reviewer}` },
    });
    expect(res.status).toBe(200);
    const summary = await res.json();
    expect(JSON.stringify(summary)).toMatch(/succeeded/);
    // The reviewer reads the run's report page from the service, and the UI shell is served.
    const page = await fetch(`${url}/runs/${tokens.runs[0].runId}/report.html`, {
      headers: { authorization: `Bearer ${reviewer}` },
    });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<h1>Linkage quality report<\/h1>[\s\S]*<svg /);
    const servedModel = await (
      await fetch(`${url}/runs/${tokens.runs[0].runId}/report`, {
        headers: { authorization: `Bearer ${reviewer}` },
      })
    ).json();
    expect((await fetch(`${url}/ui/`)).status).toBe(200);
    expect(out).toContain(`${url}/ui/`);
    // The opt-out register is uploaded, marked, and applied; the demo says how many it excluded.
    expect(out).toMatch(
      /opt-outs applied to every cohort output: .* the optout register excluded (\d+|<8) people/,
    );
    // The CLI half wrote every governance report as a self-contained page: one linkage report
    // per run, with subgroup link rates; one data-quality report per dataset; the privacy report.
    const reports = join(dir, 'reports');
    const names = readdirSync(reports).sort();
    expect(names).toEqual(
      [
        ...tokens.runs.map((r: { dataset: string }) => `${r.dataset}-linkage`),
        ...['spine', 'optout', ...tokens.runs.map((r: { dataset: string }) => r.dataset)].map(
          (d) => `${d}-quality`,
        ),
        'privacy',
      ]
        .flatMap((n) => [`${n}.html`, `${n}.json`])
        .sort(),
    );
    for (const n of names.filter((x) => x.endsWith('.html'))) {
      const html = readFileSync(join(reports, n), 'utf8');
      expect(html).not.toMatch(/<script|\b(?:src|href)=["']?(?:https?:)?\/\//i);
    }
    const linkage = JSON.parse(readFileSync(join(reports, `${tokens.runs[0].dataset}-linkage.json`), 'utf8'));
    expect(linkage.subgroups.datasets.map((d: { dataset: string }) => d.dataset)).toContain(
      tokens.runs[0].dataset,
    );
    expect(linkage.evaluation[0].curve.length).toBeGreaterThan(10);
    // The tokens never reach the terminal.
    for (const o of tokens.organisations) expect(out + err).not.toContain(o.token);
    expect(out + err).not.toContain(tokens.admin);
    const exited = new Promise<number | null>((resolve) => proc.on('exit', resolve));
    proc.kill('SIGINT');
    expect(await exited).toBe(0);
    child = undefined;

    // An operator reads the same run's report from the database, without HTTP; it is the model
    // the service cached, and the read is audited like a reviewer's.
    const db = join(dir, 'service.db');
    const viaCli = join(dir, 'cli-report.json');
    const ok = runCli([
      'report',
      'run',
      tokens.runs[0].runId,
      '--db',
      db,
      '--json',
      viaCli,
      '--html',
      join(dir, 'r.html'),
    ]);
    expect(ok.status, ok.stderr).toBe(0);
    const fromDb = JSON.parse(readFileSync(viaCli, 'utf8'));
    expect(fromDb).toEqual(servedModel);
    expect(fromDb.format).toBe('cohortlink-linkage-report/1');
    expect(fromDb.inputs.map((d: { name: string }) => d.name)).toEqual([tokens.runs[0].dataset, 'spine']);
    const audit = new Database(db, { readonly: true });
    const last = audit
      .prepare('SELECT action, target, detail_json FROM audit ORDER BY seq DESC LIMIT 1')
      .get() as {
      action: string;
      target: string;
      detail_json: string;
    };
    audit.close();
    expect(last).toEqual({
      action: 'report.run.read',
      target: tokens.runs[0].runId,
      detail_json: '{"format":"json+html","via":"cli"}',
    });
    expect(runCli(['audit', 'verify', '--db', db]).status).toBe(0);
    const missing = runCli(['report', 'run', 'no-such-run', '--db', db, '--json', join(dir, 'x.json')]);
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain('no run no-such-run');
    const mixed = runCli([
      'report',
      'run',
      tokens.runs[0].runId,
      '--db',
      db,
      '--summary',
      's.json',
      '--json',
      join(dir, 'y.json'),
    ]);
    expect(mixed.status).toBe(2);
    expect(mixed.stderr).toContain('--summary describe');
  }, 120_000);
});
