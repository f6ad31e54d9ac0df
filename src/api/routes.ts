/**
 * The admin API under /api: what the page and scripts may read (status, runs, plans) and,
 * for the operator role, the three things they may start (a dry run, applying a kept plan,
 * approving a blocked target). Each route checks the role first (onRequest, before the
 * body is even read), validates every input with zod, and hands the rest to WorkerControl:
 * no engine logic lives here.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Caller, WorkerControl } from '../worker/control.js';
import type { Authenticator } from './auth.js';
import {
  ApproveBody,
  DryRunBody,
  EmptyBody,
  NoQuery,
  PlanParams,
  parse,
  RunParams,
  RunQuery,
  RunsQuery,
  TargetParams,
} from './validate.js';

/** The caller the auth hook admitted (every /api route has one). */
function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) throw new Error('admin API route without an auth hook');
  return request.caller;
}

export function registerApiRoutes(app: FastifyInstance, control: WorkerControl, auth: Authenticator): void {
  const read = { onRequest: auth.require('read') };
  const operate = { onRequest: auth.require('operator') };

  app.get('/api/whoami', read, async (request) => {
    parse(NoQuery, request.query, 'query parameter');
    const { name, role } = callerOf(request);
    return { name, role };
  });

  app.get('/api/status', read, async (request) => {
    parse(NoQuery, request.query, 'query parameter');
    return control.status();
  });

  app.get('/api/runs', read, async (request) => {
    const { limit } = parse(RunsQuery, request.query, 'query parameter');
    return { runs: await control.listRuns(limit) };
  });

  app.get('/api/runs/:id', read, async (request) => {
    const { id } = parse(RunParams, request.params, 'path parameter');
    const { limit } = parse(RunQuery, request.query, 'query parameter');
    return control.getRun(id, { limit });
  });

  app.get('/api/plans', read, async (request) => {
    parse(NoQuery, request.query, 'query parameter');
    return { plans: control.listPlans() };
  });

  app.get('/api/plans/:id', read, async (request) => {
    const { id } = parse(PlanParams, request.params, 'path parameter');
    parse(NoQuery, request.query, 'query parameter');
    return control.getPlan(id);
  });

  app.post('/api/plans', operate, async (request, reply) => {
    parse(NoQuery, request.query, 'query parameter');
    const body = parse(DryRunBody, request.body, 'body field');
    const by = callerOf(request);
    request.log.info(
      { caller: by.name, target: body.target ?? null, mode: body.mode ?? null },
      'dry run asked',
    );
    const made = await control.dryRun(
      { ...(body.target ? { target: body.target } : {}), ...(body.mode ? { mode: body.mode } : {}) },
      by,
    );
    return reply
      .code(201)
      .header('location', `/api/plans/${encodeURIComponent(made.planId)}`)
      .send({ runId: made.runId, planId: made.planId });
  });

  app.post('/api/plans/:id/apply', operate, async (request, reply) => {
    const { id } = parse(PlanParams, request.params, 'path parameter');
    parse(NoQuery, request.query, 'query parameter');
    parse(EmptyBody, request.body, 'body field');
    const by = callerOf(request);
    request.log.info({ caller: by.name, planId: id }, 'plan apply asked');
    const { runId } = await control.applyPlan(id, by);
    return reply.code(202).send({ runId });
  });

  app.post('/api/targets/:name/approve', operate, async (request, reply) => {
    const { name } = parse(TargetParams, request.params, 'path parameter');
    parse(NoQuery, request.query, 'query parameter');
    const { planId } = parse(ApproveBody, request.body, 'body field');
    const by = callerOf(request);
    request.log.info({ caller: by.name, target: name, planId }, 'target approval asked');
    const { runId } = await control.approve(name, planId, by);
    return reply.code(202).send({ runId });
  });
}
