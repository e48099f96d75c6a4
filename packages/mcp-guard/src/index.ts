export {
  jsonRpcError,
  INVALID_PARAMS,
  INVALID_REQUEST,
  MCP_APPROVAL_REQUIRED,
  MCP_POLICY_DENIED,
  PARSE_ERROR,
  type JsonRpcError,
  type JsonRpcErrorResponse,
  type JsonRpcId,
} from './json-rpc.js';
export { parseMcpMessage, type McpCall, type McpMessage, type McpParams, type McpParsed, type ParseLimits } from './mcp-message.js';
export {
  mcpMaskingSchema,
  mcpPolicySchema,
  mcpPromptRuleSchema,
  mcpResourceRuleSchema,
  mcpToolRuleSchema,
  type McpMaskingPolicy,
  type McpPolicy,
  type McpPromptRule,
  type McpResourceRule,
  type McpToolRule,
} from './mcp-policy.js';
export { decideMcpMessage, decideMcpRequest, type McpDecision, type McpMessageDecision } from './mcp-decision.js';
export { APPROVAL_META_KEY, filterPromptsList, filterResourcesList, filterToolsList, type FilteredList } from './mcp-lists.js';
export { maskResourceResult, maskToolResult, type McpMaskOptions, type McpMaskResult } from './mcp-mask.js';
export { globMatch } from './glob.js';
export type { RuleRef } from './mcp-rules.js';
