//! Stage 3: AST → logical plan, and the plan rewrites (anchor choice,
//! predicate push-down, BFS for distinct variable-length ends).
