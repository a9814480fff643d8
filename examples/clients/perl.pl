#!/usr/bin/perl
# pat from Perl through DBD::SQLite (Debian: libdbd-sqlite3-perl).
#   perl examples/clients/perl.pl dist/pat
use strict;
use warnings;
use DBI;

my $ext = shift // 'dist/pat';
my $db = DBI->connect('dbi:SQLite:dbname=:memory:', '', '', { RaiseError => 1, PrintError => 0 });
# DBD::SQLite keeps extension loading off until asked, then loads with the
# C API, as SQLite recommends: the SQL function load_extension stays off.
$db->sqlite_enable_load_extension(1);
$db->sqlite_load_extension($ext);
$db->sqlite_enable_load_extension(0);

my ($token) = $db->selectrow_array(q{SELECT pat_create('alice', 'perl', 'DATA_FETCH')});
print 'version ', $db->selectrow_array('SELECT pat_version()'), "\n";
print 'verify ', $db->selectrow_array('SELECT pat_verify(?)', undef, "Bearer $token"), "\n";
print 'has_right DATA_FETCH ', $db->selectrow_array(q{SELECT pat_has_right(?, 'DATA_FETCH')}, undef, $token), "\n";
print 'has_right USER_DELETE ', $db->selectrow_array(q{SELECT pat_has_right(?, 'USER_DELETE')}, undef, $token), "\n";
print 'tokens ', $db->selectrow_array('SELECT count(*) FROM pat_tokens'), "\n";
$db->disconnect;
