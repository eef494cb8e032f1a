import type { Command } from '../command.js';

export const command: Command = {
  name: 'classify',
  summary: 'classify',
  help: 'Usage: geointel classify (in progress in this change)',
  async run(_args, io) {
    io.stderr.write('geointel classify: arriving in this change\n');
    return 1;
  },
};
