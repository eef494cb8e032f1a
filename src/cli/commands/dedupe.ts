import type { Command } from '../command.js';

export const command: Command = {
  name: 'dedupe',
  summary: 'dedupe',
  help: 'Usage: geointel dedupe (in progress in this change)',
  async run(_args, io) {
    io.stderr.write('geointel dedupe: arriving in this change\n');
    return 1;
  },
};
