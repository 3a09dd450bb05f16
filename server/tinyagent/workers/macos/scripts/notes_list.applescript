-- Lists notes so that the worker can pick one by exact or fuzzy name.
-- argv: folder name ("" or a folder that does not exist = every note outside "Recently Deleted").
-- Prints "ok" and, on the next line, records "id<US>name" joined by <RS> (ASCII 31 and 30),
-- separators that cannot occur in a note's title line.
on run argv
	set folderName to item 1 of argv
	tell application "Notes"
		if folderName is not "" and (exists folder folderName) then
			set theIds to id of notes of folder folderName
			set theNames to name of notes of folder folderName
		else
			-- Deleted notes stay in "Recently Deleted" for 30 days; they are not the user's notes.
			set theIds to {}
			set theNames to {}
			repeat with aFolder in (every folder whose name is not "Recently Deleted")
				set theIds to theIds & (id of notes of aFolder)
				set theNames to theNames & (name of notes of aFolder)
			end repeat
		end if
	end tell
	set theRecords to {}
	repeat with i from 1 to count of theIds
		set end of theRecords to (item i of theIds) & (character id 31) & (item i of theNames)
	end repeat
	set AppleScript's text item delimiters to character id 30
	set theOutput to theRecords as text
	set AppleScript's text item delimiters to ""
	return "ok" & linefeed & theOutput
end run
