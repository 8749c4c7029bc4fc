// Package sigma is airtight's own Sigma rule engine: it parses Sigma rules
// (detection rules and Sigma v2 correlation rules) from YAML, compiles them
// into matchers indexed by log source, exact field values and required
// literal substrings, and evaluates them against events, raising
// detect.Detection values that always carry the rule's author, as the
// Detection Rule License requires.
//
// Layout:
//
//	event.go        the Event interface the engine reads, LogSource
//	logsource.go    Windows channel / Sysmon id / syslog program → log source
//	adapt_detect.go adapter for *detect.Event (Sigma names → OCSF fields)
//	adapt_json.go   adapter for a JSON object (nested keys flattened with ".")
//	rule.go         Rule, Correlation, Rejection, severity and ATT&CK ids
//	parse.go        YAML → Rule, with file:line errors and hard limits
//	condition.go    the condition expression language
//	value.go        Sigma strings, wildcards and value transformations
//	compile.go      detections and modifiers → node trees
//	match.go, node.go  value matchers and the evaluable node tree
//	prefilter.go    required literals and exact values per rule
//	ahocorasick.go  the combined literal automaton (ASCII case-folding DFA)
//	ruleset.go      the per-log-source rule subset with index and automaton
//	engine.go       Engine: Match, MatchBatch, Observe, Flush, Stats
//	correlation.go  event_count, value_count, temporal, temporal_ordered
//	load.go         loading rule directories
package sigma
