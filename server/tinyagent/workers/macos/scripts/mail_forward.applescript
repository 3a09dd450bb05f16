-- Forwards the message selected in Mail; leaves it open as a draft unless asked to send it.
-- argv: body, "send" or "draft", to count, cc count, attachment count,
--       then the to addresses, the cc addresses and the attachment POSIX paths.
-- Prints "ok" and "sent" or "drafted" on the next line, or "no_selection".
on run argv
	set theBody to item 1 of argv
	set sendNow to (item 2 of argv) is "send"
	set toCount to (item 3 of argv) as integer
	set ccCount to (item 4 of argv) as integer
	set attachmentCount to (item 5 of argv) as integer
	set toAddresses to my sliceArgs(argv, 6, toCount)
	set ccAddresses to my sliceArgs(argv, 6 + toCount, ccCount)
	set attachmentFiles to my posixFiles(my sliceArgs(argv, 6 + toCount + ccCount, attachmentCount))
	tell application "Mail"
		set theMessages to {}
		try
			set theMessages to selection
		end try
		if theMessages is missing value or (count of theMessages) is 0 then return "no_selection"
		set theForward to forward (item 1 of theMessages) with opening window
		if theBody is not "" then set content of theForward to theBody & linefeed & linefeed & (content of theForward)
		repeat with anAddress in toAddresses
			make new to recipient at end of to recipients of theForward with properties {address:(contents of anAddress)}
		end repeat
		repeat with anAddress in ccAddresses
			make new cc recipient at end of cc recipients of theForward with properties {address:(contents of anAddress)}
		end repeat
		repeat with aFile in attachmentFiles
			tell content of theForward
				make new attachment with properties {file name:(contents of aFile)} at after last paragraph
			end tell
		end repeat
		if sendNow then
			send theForward
			return "ok" & linefeed & "sent"
		end if
		activate
	end tell
	return "ok" & linefeed & "drafted"
end run

on sliceArgs(argv, startIndex, n)
	set theItems to {}
	repeat with i from startIndex to startIndex + n - 1
		set end of theItems to item i of argv
	end repeat
	return theItems
end sliceArgs

-- Outside any tell block: POSIX file inside an application's tell is resolved by that application.
on posixFiles(thePaths)
	set theFiles to {}
	repeat with aPath in thePaths
		set end of theFiles to (POSIX file (contents of aPath)) as alias
	end repeat
	return theFiles
end posixFiles
