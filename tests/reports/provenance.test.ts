import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { provenance, provenanceLine } from '../../src/reports/provenance.js';
import { COHORTLINK_VERSION } from '../../src/version.js';
import { PROJECT_ROOT } from '../helpers/paths.js';

describe('report provenance', () => {
  it("names the version package.json declares, so a report's generator cannot drift from the release", () => {
    const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8'));
    expect(COHORTLINK_VERSION).toBe(pkg.version);
    expect(provenance(new Date('2026-11-25T17:48:09.123Z'))).toEqual({
      at: '2026-11-25T17:48:09.123Z',
      by: `cohortlink ${pkg.version}`,
    });
  });

  it('writes one escaped line, subject first, to the minute in UTC', () => {
    const p = provenance(new Date('2026-11-25T17:48:09.123Z'));
    expect(provenanceLine(p, 'run <x>&')).toBe(
      `<p class="note">Run &lt;x&gt;&amp;; built 2026-11-25 17:48 UTC by cohortlink ${COHORTLINK_VERSION}</p>`,
    );
    expect(provenanceLine(p)).toBe(
      `<p class="note">Built 2026-11-25 17:48 UTC by cohortlink ${COHORTLINK_VERSION}</p>`,
    );
    expect(provenanceLine(undefined)).toBe('');
  });
});
