import type { Command } from '../command.js';

export const command: Command = {
  name: 'ingest',
  summary: 'ingest',
  help: 'Usage: geointel ingest (in progress in this change)',
  async run(_args, io) {
    io.stderr.write('geointel ingest: arriving in this change\n');
    return 1;
  },
};
