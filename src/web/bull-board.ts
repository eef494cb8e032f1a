/**
 * @bull-board at `/admin/queues`, for admins only: its routes are registered by its own fastify plugin, so
 * they take their role from `PLUGIN_ROUTE_ROLES` in src/api/app.ts (prefix → admin), and the role hook
 * checks them like every other route (a browser without a session is sent to the login page by the pages'
 * error handler). Read-only: the board's actions (retry, clean, promote, remove) are state changes, which with
 * the session cookie need the CSRF token the board's own client does not send; operators act through the
 * queues' owners (`geointel worker`, the API), not through the board.
 */
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyPluginCallback } from 'fastify';
import type { ApiContext } from '../api/context.js';

export const BULL_BOARD_PATH = '/admin/queues';

/** The board's plugin over the API's queues; register it with `{ prefix: BULL_BOARD_PATH }`. */
export function bullBoardPlugin(ctx: ApiContext): FastifyPluginCallback {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(BULL_BOARD_PATH);
  createBullBoard({
    queues: Object.values(ctx.queues).map((q) => new BullMQAdapter(q, { readOnlyMode: true })),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'geointel' } },
  });
  // The board's own handler answers every error 500 with its message; hand errors on instead, to the pages'
  // handler (401 → login, 403) and the API's (one error shape, statuses by code).
  serverAdapter.setErrorHandler((err: Error) => {
    throw err;
  });
  return serverAdapter.registerPlugin() as unknown as FastifyPluginCallback;
}
