<?php
// pat from PHP through its SQLite3 class (Debian: php-sqlite3). PHP loads
// extensions only from the directory the ini setting sqlite3.extension_dir
// names, by file name:
//   php -d sqlite3.extension_dir=$PWD/dist examples/clients/php.php pat.so
$name = $argv[1] ?? 'pat.so';
$db = new SQLite3(':memory:');
$db->enableExceptions(true);
try {
    $db->loadExtension($name);
} catch (Exception $e) {
    // Without the ini setting PHP says "SQLite Extension are disabled".
    fwrite(STDERR, "could not load $name: {$e->getMessage()}: set sqlite3.extension_dir"
        . " (php.ini, or php -d) to the directory that holds it\n");
    exit(1);
}
$token = $db->querySingle("SELECT pat_create('alice', 'php', 'DATA_FETCH')");
function one(SQLite3 $db, string $sql, string ...$args) {
    $st = $db->prepare($sql);
    foreach ($args as $i => $a) $st->bindValue($i + 1, $a, SQLITE3_TEXT);
    $row = $st->execute()->fetchArray(SQLITE3_NUM);
    $st->close();
    return $row[0];
}
echo 'version ', one($db, 'SELECT pat_version()'), "\n";
echo 'verify ', one($db, 'SELECT pat_verify(?)', "Bearer $token"), "\n";
echo 'has_right DATA_FETCH ', one($db, "SELECT pat_has_right(?, 'DATA_FETCH')", $token), "\n";
echo 'has_right USER_DELETE ', one($db, "SELECT pat_has_right(?, 'USER_DELETE')", $token), "\n";
echo 'tokens ', one($db, 'SELECT count(*) FROM pat_tokens'), "\n";
$db->close();
