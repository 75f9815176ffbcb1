// kg export: run with cypher-shell, mgconsole, redis-cli GRAPH.QUERY or kg import --format cypher.
// Nodes carry a temporary :_KgImport label and _kgid property, removed at the end;
// keys, aliases and citations are the properties named below (names no label or property uses).
// kg-names: id=_kgid label=_KgImport key=_key aliases=_aliases sources=_sources
// in Neo4j first run: CREATE INDEX kg_import IF NOT EXISTS FOR (n:_KgImport) ON (n._kgid);
UNWIND [{_kgid: 0, name: 'Morocco', iso: 'MA', _key: 'morocco', _aliases: '[{"text":"Maroc","lang":"fr"},{"text":"المغرب","lang":"ar"}]', _sources: '[{"article":"000_example.txt","sentence":1}]'}] AS row CREATE (n:Country:_KgImport) SET n = row;
UNWIND [{_kgid: 1, name: 'Global Counterterrorism Forum', members: 30, _key: 'gctf', _aliases: '[{"text":"GCTF","lang":"en"}]', _sources: '[{"article":"000_example.txt","sentence":2}]'}] AS row CREATE (n:Organization:_KgImport) SET n = row;
UNWIND [{f: 0, t: 1, p: {since: date('2022-03'), topics: ['terrorism', 'détention'], _sources: '[{"article":"000_example.txt","sentence":2}]'}}] AS row MATCH (a:_KgImport {_kgid: row.f}), (b:_KgImport {_kgid: row.t}) CREATE (a)-[r:CO_CHAIRS]->(b) SET r = row.p;
MATCH (n:_KgImport) REMOVE n:_KgImport, n._kgid;
