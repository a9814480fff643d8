# pat from Tcl through SQLite's own Tcl interface (Debian: libsqlite3-tcl).
#   tclsh examples/clients/tcl.tcl dist/pat
package require sqlite3

set ext [expr {[llength $argv] ? [lindex $argv 0] : "dist/pat"}]
sqlite3 db :memory:
db enable_load_extension 1
db eval {SELECT load_extension($ext)}
db enable_load_extension 0

set token [db onecolumn {SELECT pat_create('alice', 'tcl', 'DATA_FETCH')}]
set bearer "Bearer $token"
puts "version [db onecolumn {SELECT pat_version()}]"
puts "verify [db onecolumn {SELECT pat_verify($bearer)}]"
puts "has_right DATA_FETCH [db onecolumn {SELECT pat_has_right($token, 'DATA_FETCH')}]"
puts "has_right USER_DELETE [db onecolumn {SELECT pat_has_right($token, 'USER_DELETE')}]"
puts "tokens [db onecolumn {SELECT count(*) FROM pat_tokens}]"
db close
