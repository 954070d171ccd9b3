using System.Buffers;
using System.Buffers.Binary;
using MessagePack;
using ProcessFarm.Shared.MessagePack;

namespace ProcessFarm.Shared.Protocol;

/// <summary>
/// Finds frames in received bytes and parses their bodies (docs/PROTOCOL.md). Counterpart of
/// <see cref="FrameWriter"/>. Every malformed input becomes a <see cref="ProtocolException"/>.
/// </summary>
/// <remarks>
/// Values are read with MessagePack-CSharp's <see cref="MessagePackReader"/>, plus the checks it does not make
/// (<see cref="MessagePackReading"/>: strict UTF-8, exact integers, counts of 2^31 and more, a nesting limit).
/// Every exception the library throws on bad input becomes Malformed, so a broken frame is never mistaken for the
/// end of the stream. A frame is checked in field order, and the first problem found is the one reported.
/// </remarks>
public static partial class FrameReader
{
    /// <summary>
    /// Takes one complete frame off the front of <paramref name="buffer"/>.
    /// </summary>
    /// <param name="buffer">Received bytes; on success, advanced past the frame.</param>
    /// <param name="body">The frame's body (without its length), slicing <paramref name="buffer"/>.</param>
    /// <returns>False when the frame is not complete yet: read more and call again.</returns>
    /// <exception cref="ProtocolException">The declared length exceeds <see cref="ProtocolLimits.MaxFrameBytes"/>.</exception>
    public static bool TryReadFrame(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> body) =>
        TryReadFrame(ref buffer, out body, ProtocolLimits.MaxFrameBytes);

    /// <summary>
    /// Takes one complete frame of at most <paramref name="maxBytes"/> off the front of <paramref name="buffer"/>: the
    /// handshake's frames are small, and a peer not yet proven must not make the reader buffer a large one.
    /// </summary>
    /// <exception cref="ProtocolException">The declared length exceeds <paramref name="maxBytes"/>.</exception>
    public static bool TryReadFrame(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> body, uint maxBytes)
    {
        body = default;
        if (buffer.Length < ProtocolLimits.FrameHeaderSize)
        {
            return false;
        }

        uint length;
        if (buffer.FirstSpan.Length >= ProtocolLimits.FrameHeaderSize)
        {
            length = BinaryPrimitives.ReadUInt32BigEndian(buffer.FirstSpan);
        }
        else
        {
            Span<byte> prefix = stackalloc byte[ProtocolLimits.FrameHeaderSize];
            buffer.Slice(0, ProtocolLimits.FrameHeaderSize).CopyTo(prefix);
            length = BinaryPrimitives.ReadUInt32BigEndian(prefix);
        }

        if (length > maxBytes)
        {
            throw new ProtocolException(ErrorCode.FrameTooLarge, $"A frame declares {length} bytes; the limit is {maxBytes}.");
        }
        if (buffer.Length - ProtocolLimits.FrameHeaderSize < length)
        {
            return false;
        }

        body = buffer.Slice(ProtocolLimits.FrameHeaderSize, length);
        buffer = buffer.Slice(body.End);
        return true;
    }

    /// <summary>The message type of a frame body, without parsing the rest.</summary>
    /// <exception cref="ProtocolException">Not an array starting with a type (Malformed), or a type the protocol does not define (UnknownKind).</exception>
    public static MessageType ReadType(ReadOnlySequence<byte> body)
    {
        var reader = new MessagePackReader(body);
        try
        {
            return ReadHeader(ref reader, out _);
        }
        catch (Exception e) when (MessagePackReading.IsDecodingFailure(e))
        {
            throw MalformedFrame(e);
        }
    }

    /// <summary>
    /// The id of a Job, Attach or Channel frame when it can be read, whatever is wrong with the rest: an Error
    /// answering such a frame names it.
    /// </summary>
    public static ulong? TryReadRequestId(ReadOnlySequence<byte> body)
    {
        var reader = new MessagePackReader(body);
        try
        {
            if (ReadHeader(ref reader, out int fields) is MessageType.Job or MessageType.Attach or MessageType.Channel && fields >= 2)
            {
                var id = MessagePackReading.ReadInteger(ref reader);
                return id >= 0 && id <= ulong.MaxValue ? (ulong)id : null;
            }
        }
        catch (Exception e) when (e is ProtocolException || MessagePackReading.IsDecodingFailure(e))
        {
            // No id to be had from this frame; the error reply carries nil.
        }
        return null;
    }

    /// <summary>Parses Challenge and returns its nonce (any length up to 1024 bytes; the receiver checks it).</summary>
    public static byte[] ReadChallenge(ReadOnlySequence<byte> body) =>
        Parse(body, MessageType.Challenge, 2, static (ref MessagePackReader r) => ReadShortBin(ref r, "Challenge's nonce"));

    /// <summary>
    /// Parses Hello. Only the version is required to be readable for the coordinator to answer
    /// UnsupportedVersion: a version-2 Hello (<c>[1, 2, worker_id, pid, secret, kernel]</c>) parses with an empty nonce.
    /// </summary>
    public static HelloMessage ReadHello(ReadOnlySequence<byte> body) => FieldCount(body) >= 7
        ? Parse(body, MessageType.Hello, 7, static (ref MessagePackReader r) =>
        {
            var (version, workerId, processId, proof, kernel) = ReadHelloFields(ref r);
            return new HelloMessage(version, workerId, processId, proof, kernel, ReadShortBin(ref r, "Hello's nonce"));
        })
        : Parse(body, MessageType.Hello, 6, static (ref MessagePackReader r) =>
        {
            var (version, workerId, processId, proof, kernel) = ReadHelloFields(ref r);
            return new HelloMessage(version, workerId, processId, proof, kernel, []);
        });

    private static (uint Version, uint WorkerId, int ProcessId, byte[] Proof, string Kernel) ReadHelloFields(ref MessagePackReader r) =>
        ((uint)ReadUnsigned(ref r, uint.MaxValue, "Hello's version"),
         (uint)ReadUnsigned(ref r, uint.MaxValue, "Hello's worker_id"),
         (int)ReadUnsigned(ref r, int.MaxValue, "Hello's pid"),
         ReadShortBin(ref r, "Hello's proof"),
         ReadText(ref r, "Hello's kernel"));

    /// <summary>Parses Welcome; a version-2 Welcome (<c>[2, version]</c>) parses with an empty proof.</summary>
    public static WelcomeMessage ReadWelcome(ReadOnlySequence<byte> body) => FieldCount(body) >= 3
        ? Parse(body, MessageType.Welcome, 3, static (ref MessagePackReader r) =>
            new WelcomeMessage((uint)ReadUnsigned(ref r, uint.MaxValue, "Welcome's version"), ReadShortBin(ref r, "Welcome's proof")))
        : Parse(body, MessageType.Welcome, 2, static (ref MessagePackReader r) =>
            new WelcomeMessage((uint)ReadUnsigned(ref r, uint.MaxValue, "Welcome's version"), []));

    /// <summary>The number of elements of a frame body's array, or 0 when it is not one (Parse then says what is wrong).</summary>
    private static int FieldCount(ReadOnlySequence<byte> body)
    {
        var reader = new MessagePackReader(body);
        try
        {
            return reader.NextMessagePackType == MessagePackType.Array ? reader.ReadArrayHeader() : 0;
        }
        catch (Exception e) when (MessagePackReading.IsDecodingFailure(e))
        {
            return 0;
        }
    }

    /// <summary>Parses Error; a code this build does not know is kept as its number.</summary>
    public static ErrorMessage ReadError(ReadOnlySequence<byte> body) => Parse(body, MessageType.Error, 4, static (ref MessagePackReader r) =>
    {
        ulong? id = r.TryReadNil() ? null : ReadUnsigned(ref r, ulong.MaxValue, "Error's id");
        var code = (ErrorCode)ReadUnsigned(ref r, uint.MaxValue, "Error's code");
        string message = ReadText(ref r, "Error's message");
        return new ErrorMessage(id, code, message);
    });

    /// <summary>Parses Attach.</summary>
    public static AttachRequest ReadAttach(ReadOnlySequence<byte> body) => Parse(body, MessageType.Attach, 4, ReadMapping);

    /// <summary>Parses Channel (the fields of Attach).</summary>
    public static AttachRequest ReadChannel(ReadOnlySequence<byte> body) => Parse(body, MessageType.Channel, 4, ReadMapping);

    private static AttachRequest ReadMapping(ref MessagePackReader r)
    {
        ulong id = ReadUnsigned(ref r, ulong.MaxValue, "the request's id");
        string path = ReadText(ref r, "the region's path");
        var size = MessagePackReading.ReadInteger(ref r);
        if (size < 1 || size > long.MaxValue)
        {
            throw new ProtocolException(ErrorCode.RegionInvalid, $"a region's size must be from 1 to 2^63 - 1 bytes, not {size}");
        }
        return new AttachRequest(id, path, (long)size);
    }

    private delegate T Parser<T>(ref MessagePackReader reader);

    /// <remarks>
    /// <paramref name="parse"/> is a static lambda (one cached delegate per message type), and nothing here
    /// captures state: parsing a frame allocates only what the message itself holds.
    /// </remarks>
    private static T Parse<T>(ReadOnlySequence<byte> body, MessageType expected, int minimumFields, Parser<T> parse)
    {
        var reader = new MessagePackReader(body);
        try
        {
            var type = ReadHeader(ref reader, out int fields);
            if (type != expected)
            {
                throw new ProtocolException(ErrorCode.UnexpectedMessage, $"Expected a {expected} message but received a {type} message.");
            }
            if (fields < minimumFields)
            {
                throw Malformed($"{expected} has {fields} fields; at least {minimumFields} are required.");
            }
            var value = parse(ref reader);
            for (int extra = fields - minimumFields; extra > 0; extra--)
            {
                MessagePackReading.SkipValue(ref reader, ProtocolLimits.MaxDepth); // fields a newer peer added
            }
            if (!reader.End)
            {
                throw Malformed($"{expected} is followed by {reader.Sequence.Length - reader.Consumed} stray bytes inside its frame.");
            }
            return value;
        }
        catch (Exception e) when (MessagePackReading.IsDecodingFailure(e))
        {
            throw MalformedFrame(e);
        }
    }

    private static MessageType ReadHeader(ref MessagePackReader reader, out int fields)
    {
        if (reader.NextMessagePackType != MessagePackType.Array)
        {
            throw Malformed($"A frame body must be an array, not {MessagePackReading.Describe(reader.NextMessagePackType)}.");
        }
        fields = reader.ReadArrayHeader();
        if (fields < 1)
        {
            throw Malformed("A frame body is an empty array.");
        }
        var type = MessagePackReading.ReadInteger(ref reader);
        return type >= 1 && type <= (int)MessageType.Challenge
            ? (MessageType)(int)type
            : throw new ProtocolException(ErrorCode.UnknownKind, $"Unknown message type {type}; the protocol defines 1 to {(int)MessageType.Challenge}.");
    }

    private static byte[] ReadShortBin(ref MessagePackReader reader, string field)
    {
        if (reader.NextMessagePackType != MessagePackType.Binary)
        {
            throw Malformed($"{field} must be a bin, not {MessagePackReading.Describe(reader.NextMessagePackType)}.");
        }
        var bytes = reader.ReadBytes()!.Value;
        return bytes.Length <= 1024 ? bytes.ToArray() : throw Malformed($"{field} is implausibly long.");
    }

    private static ulong ReadUnsigned(ref MessagePackReader reader, ulong max, string field)
    {
        var value = MessagePackReading.ReadInteger(ref reader);
        return value >= 0 && value <= max ? (ulong)value : throw Malformed($"{field} must be an integer from 0 to {max}, not {value}.");
    }

    private static string ReadText(ref MessagePackReader reader, string field) =>
        reader.NextMessagePackType == MessagePackType.String
            ? MessagePackReading.ReadStrictString(ref reader)!
            : throw Malformed($"{field} must be a str, not {MessagePackReading.Describe(reader.NextMessagePackType)}.");

    private static bool Is(ReadOnlySequence<byte> key, ReadOnlySpan<byte> name) =>
        key.IsSingleSegment ? key.FirstSpan.SequenceEqual(name) : key.Length == name.Length && key.ToArray().AsSpan().SequenceEqual(name);

    private static ProtocolException Malformed(string message) => new(ErrorCode.Malformed, message);

    private static ProtocolException MalformedFrame(Exception e) => new(ErrorCode.Malformed, "Malformed frame: " + e.Message, e);
}
