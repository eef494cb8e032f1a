import type { Command } from '../command.js';

export const command: Command = {
  name: 'parse',
  summary: 'parse',
  help: 'Usage: geointel parse (in progress in this change)',
  async run(_args, io) {
    io.stderr.write('geointel parse: arriving in this change\n');
    return 1;
  },
};
