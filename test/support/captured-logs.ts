/** What the functions' Powertools loggers write (JSON lines on stdout and stderr), captured and kept off the test output. */
export interface CapturedLogs {
  /** Every JSON log line written so far, parsed. */
  lines(): Record<string, unknown>[];
  restore(): void;
}

export function captureLogs(): CapturedLogs {
  const written: string[] = [];
  const spies = [process.stdout, process.stderr].map((stream) => jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  }));
  return {
    lines: () => written.join('').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>),
    restore: () => spies.forEach((s) => s.mockRestore()),
  };
}
