-- Forwards the message selected in Mail; saves it in Drafts unless asked to send it.
-- Composed "without opening window": a reply or forward composed in a window is rich text, where Mail
-- ignores "set content" (worst from a background process: the message went out empty; reported by
-- apple-pim issue 73 and apple-mail-mcp issue 7). Without a window the content is plain and
-- writable, but setting it drops Mail's own quote (apple-mail-mcp issue 249), so the original's text
-- is quoted here.
-- argv: body, "send" or "draft", to count, cc count, attachment count,
--       then the to addresses, the cc addresses and the attachment POSIX paths.
-- Prints "ok", "sent" or "drafted", the body's length and the number of attachments, one per line;
-- or "no_selection", "body_lost" or "attachments_missing" (nothing was sent).
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
		set theOriginal to item 1 of theMessages
		set theQuote to "---------- Forwarded message ----------" & linefeed & "From: " & (sender of theOriginal) & linefeed & "Subject: " & (subject of theOriginal) & linefeed & linefeed & (content of theOriginal)
		set theForward to forward theOriginal without opening window
		set content of theForward to theBody & linefeed & linefeed & theQuote
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
	end tell
	set attached to my attachedCount(theForward, attachmentCount)
	tell application "Mail"
		if theBody is not "" and (length of (content of theForward as text)) is 0 then return "body_lost"
		if sendNow then
			if attached < attachmentCount then return "attachments_missing" & linefeed & (attached as text)
			send theForward
			return my report("sent", theForward, attached)
		end if
		save theForward
	end tell
	return my report("drafted", theForward, attached)
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

-- Mail attaches files asynchronously: a message sent right after "make new attachment" can leave
-- without them. Wait (up to 10 s) until every attachment is there; return how many are.
on attachedCount(theMessage, wanted)
	repeat 40 times
		tell application "Mail" to set n to count of mail attachments of theMessage
		if n is greater than or equal to wanted then return n
		delay 0.25
	end repeat
	tell application "Mail" to return count of mail attachments of theMessage
end attachedCount

-- What the message holds now: "ok", what happened, the body's length, the attachments attached.
on report(what, theMessage, attached)
	tell application "Mail" to set n to length of (content of theMessage as text)
	return "ok" & linefeed & what & linefeed & (n as text) & linefeed & (attached as text)
end report
