import type { Command } from '../command.js';

export const command: Command = {
  name: 'sources',
  summary: 'sources',
  help: 'Usage: geointel sources (in progress in this change)',
  async run(_args, io) {
    io.stderr.write('geointel sources: arriving in this change\n');
    return 1;
  },
};
