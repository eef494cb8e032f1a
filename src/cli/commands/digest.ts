import type { Command } from '../command.js';

export const command: Command = {
  name: 'digest',
  summary: 'digest',
  help: 'Usage: geointel digest (in progress in this change)',
  async run(_args, io) {
    io.stderr.write('geointel digest: arriving in this change\n');
    return 1;
  },
};
