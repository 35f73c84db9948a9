import cliProgress from 'cli-progress';

/**
 * Progress for long CLI work: a bar on an interactive terminal, nothing otherwise (logs and CI
 * output stay clean). Always written to stderr so stdout can be piped.
 */
export interface Progress {
  update(done: number, detail?: string): void;
  stop(): void;
}

export function progressBar(label: string, total: number, unit: string): Progress {
  if (!process.stderr.isTTY || process.env.CI) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {percentage}% | {detail} | ETA {eta_formatted}`,
      hideCursor: true,
      etaBuffer: 50,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { detail: `0 ${unit}` });
  return {
    update(done, detail) {
      bar.update(done, { detail: detail ?? `${done.toLocaleString('en-GB')} ${unit}` });
    },
    stop() {
      bar.stop();
    },
  };
}
