/** The TCP ports `pid` listens on (Linux, from /proc); throws when the process is gone. */
export function listeningPorts(pid: number): number[];
