-- Looks up the first phone number or email address of one contact.
-- argv: field ("phone" or "email"), full name, first name for the fallback search.
-- Every input arrives through argv, so user text is data and never AppleScript source.
-- Prints "ok" and the value on the next line, or "not_found" / "no_value".
on run argv
	set theField to item 1 of argv
	set theName to item 2 of argv
	set theFirstName to item 3 of argv
	tell application "Contacts"
		set matches to every person whose name is theName
		if (count of matches) is 0 and theFirstName is not "" then
			set matches to every person whose first name contains theFirstName
		end if
		if (count of matches) is 0 then return "not_found"
		set thePerson to item 1 of matches
		if theField is "phone" then
			set theValues to value of phones of thePerson
		else
			set theValues to value of emails of thePerson
		end if
	end tell
	if (count of theValues) is 0 then return "no_value"
	return "ok" & linefeed & (item 1 of theValues)
end run
