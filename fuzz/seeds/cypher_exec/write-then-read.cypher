CREATE (a:Fuzz {name: 'a', n: 1})-[:LINKS {w: [1, 2.5]}]->(b:Fuzz {name: 'b'})
WITH a, b
MATCH p = (a)-[*1..2]->(x)
RETURN a.name, length(p), nodes(p), relationships(p), x {.*}
