-- Composes a new Mail message; leaves it open as a draft unless asked to send it.
-- argv: subject, body, "send" or "draft", to count, cc count, attachment count,
--       then the to addresses, the cc addresses and the attachment POSIX paths.
-- Prints "ok", "sent" or "drafted", the body's length and the number of attachments, one per line;
-- or "body_lost" / "attachments_missing" (nothing was sent).
on run argv
	set theSubject to item 1 of argv
	set theBody to item 2 of argv
	set sendNow to (item 3 of argv) is "send"
	set toCount to (item 4 of argv) as integer
	set ccCount to (item 5 of argv) as integer
	set attachmentCount to (item 6 of argv) as integer
	set toAddresses to my sliceArgs(argv, 7, toCount)
	set ccAddresses to my sliceArgs(argv, 7 + toCount, ccCount)
	set attachmentFiles to my posixFiles(my sliceArgs(argv, 7 + toCount + ccCount, attachmentCount))
	-- An attachment goes "after last paragraph": an empty body has none, so it gets a line break.
	set theContent to theBody
	if theContent is "" and attachmentCount > 0 then set theContent to linefeed
	tell application "Mail"
		set theMessage to make new outgoing message with properties {subject:theSubject, content:theContent, visible:false}
		repeat with anAddress in toAddresses
			make new to recipient at end of to recipients of theMessage with properties {address:(contents of anAddress)}
		end repeat
		repeat with anAddress in ccAddresses
			make new cc recipient at end of cc recipients of theMessage with properties {address:(contents of anAddress)}
		end repeat
		repeat with aFile in attachmentFiles
			tell content of theMessage
				make new attachment with properties {file name:(contents of aFile)} at after last paragraph
			end tell
		end repeat
	end tell
	set attached to my attachedCount(theMessage, attachmentCount)
	tell application "Mail"
		if theBody is not "" and (length of (content of theMessage as text)) is 0 then return "body_lost"
		if sendNow then
			if attached < attachmentCount then return "attachments_missing" & linefeed & (attached as text)
			send theMessage
			return my report("sent", theMessage, attached)
		end if
		set visible of theMessage to true
		activate
	end tell
	return my report("drafted", theMessage, attached)
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
