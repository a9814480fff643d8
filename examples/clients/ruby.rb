# pat from Ruby through the sqlite3 gem (Debian: ruby-sqlite3).
#   ruby examples/clients/ruby.rb dist/pat
require 'sqlite3'

ext = ARGV[0] || 'dist/pat'
db = SQLite3::Database.new(':memory:')
db.enable_load_extension(true)
db.load_extension(ext)
db.enable_load_extension(false)

token = db.get_first_value("SELECT pat_create('alice', 'ruby', 'DATA_FETCH')")
puts "version #{db.get_first_value('SELECT pat_version()')}"
puts "verify #{db.get_first_value('SELECT pat_verify(?)', "Bearer #{token}")}"
puts "has_right DATA_FETCH #{db.get_first_value("SELECT pat_has_right(?, 'DATA_FETCH')", token)}"
puts "has_right USER_DELETE #{db.get_first_value("SELECT pat_has_right(?, 'USER_DELETE')", token)}"
puts "tokens #{db.get_first_value('SELECT count(*) FROM pat_tokens')}"
db.close
