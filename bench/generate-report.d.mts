export function writeXmlReport(
  file: string,
  tests: number,
  options?: { messageBytes?: number },
): Promise<void>;
