import { ServiceError } from "../../domain/errors.js";
import {
  latestCheckpoint,
  proveConsistency,
  proveInclusion,
  verifierKeys,
  verifyIntegrity,
} from "../../services/index.js";
import type { Handler } from "../contract/handler-types.js";
import { caller, type HandlerDeps } from "./deps.js";

/** The hash chain's verification, signed checkpoints, Merkle proofs and the keys that verify them. */
export function integrityHandlers({ logger }: HandlerDeps) {
  const verifyIntegrityHandler: Handler<"verifyIntegrity"> = async ({
    store,
    principal,
    query,
  }) => {
    const { from_seq, to_seq } = query;
    const range: { fromSeq?: number; toSeq?: number } = {};
    if (from_seq !== undefined) range.fromSeq = from_seq;
    if (to_seq !== undefined) range.toSeq = to_seq;
    return { status: 200, body: await verifyIntegrity(store, caller(principal).projectId, range) };
  };

  const getCheckpoint: Handler<"getCheckpoint"> = async ({ store, principal }) => {
    const projectId = caller(principal).projectId;
    const checkpoint = await latestCheckpoint(store, projectId, (error) =>
      logger.error("refused to sign a checkpoint over tampered storage", {
        project_id: projectId,
        error: error.message,
      }),
    );
    if (!checkpoint) throw new ServiceError("unavailable", "No checkpoint can be vouched for");
    return { status: 200, body: checkpoint };
  };

  const getInclusionProof: Handler<"getInclusionProof"> = async ({ store, principal, query }) => {
    const who = caller(principal);
    const options: { treeSize?: number; workspaceId?: string } = {};
    if (query.tree_size !== undefined) options.treeSize = query.tree_size;
    if (who.workspaceId !== null) {
      options.workspaceId = who.workspaceId;
    }
    return { status: 200, body: await proveInclusion(store, who.projectId, query.seq, options) };
  };

  const getConsistencyProof: Handler<"getConsistencyProof"> = async ({
    store,
    principal,
    query,
  }) => {
    const projectId = caller(principal).projectId;
    return {
      status: 200,
      body: await proveConsistency(store, projectId, query.from_size, query.to_size),
    };
  };

  const listVerifierKeys: Handler<"listVerifierKeys"> = async ({ store }) => {
    return { status: 200, body: { data: verifierKeys(store) } };
  };

  return {
    verifyIntegrity: verifyIntegrityHandler,
    getCheckpoint,
    getInclusionProof,
    getConsistencyProof,
    listVerifierKeys,
  };
}
