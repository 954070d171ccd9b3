using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Text;

namespace ProcessFarm.Shared.MessagePack;

/// <summary>
/// Reads MessagePack tokens from a <see cref="ReadOnlySequence{T}"/>; tokens may straddle segments.
/// </summary>
/// <remarks>
/// Implements the spec (https://github.com/msgpack/msgpack/blob/master/spec.md) for every format. Input is
/// untrusted: a str, bin or ext that declares more bytes than remain, an array or map that declares more
/// elements than the remaining bytes could hold, or nesting deeper than <see cref="MaxDepth"/> throws
/// <see cref="MessagePackSerializationException"/> before anything is allocated. Slices returned by
/// <see cref="ReadBytes"/> and <see cref="ReadStringSequence"/> point into the input: valid as long as it is.
/// </remarks>
[SkipLocalsInit]
public unsafe ref struct MessagePackReader
{
    /// <summary>The default limit on array/map nesting for <see cref="Skip"/>.</summary>
    public const int DefaultMaxDepth = 32;

    private SequenceReader<byte> _reader;

    /// <summary>Starts reading at the beginning of <paramref name="sequence"/>.</summary>
    public MessagePackReader(ReadOnlySequence<byte> sequence)
    {
        _reader = new SequenceReader<byte>(sequence);
        MaxDepth = DefaultMaxDepth;
    }

    /// <summary>Starts reading a contiguous buffer.</summary>
    public MessagePackReader(ReadOnlyMemory<byte> memory)
        : this(new ReadOnlySequence<byte>(memory))
    {
    }

    /// <summary>Nesting limit for <see cref="Skip"/>; deeper data is rejected as hostile.</summary>
    public int MaxDepth { get; set; }

    /// <summary>The whole input, for slicing between two <see cref="Position"/>s.</summary>
    public readonly ReadOnlySequence<byte> Sequence => _reader.Sequence;

    /// <summary>Bytes consumed so far.</summary>
    public readonly long Consumed => _reader.Consumed;

    /// <summary>
    /// Reads consecutive array elements of the shape <c>[float64, float64]</c> into <paramref name="destination"/>
    /// (two values per element), as many as fit, in bulk, and stops at the first element of another shape, at the
    /// end of the current segment, or when <paramref name="destination"/> is full.
    /// </summary>
    /// <returns>Elements read: 0 when the next one is not such a pair or straddles a segment (read it token by token).</returns>
    public int ReadFloat64Pairs(scoped Span<double> destination)
    {
        const int Size = MessagePackPrimitives.Float64PairSize;
        var source = _reader.UnreadSpan;
        int available = Math.Min(destination.Length / 2, source.Length / Size);
        int done = 0;
        while (done < available && MessagePackPrimitives.TryReadFloat64Pair(source.Slice(done * Size, Size), out destination[2 * done], out destination[(2 * done) + 1]))
        {
            done++;
        }
        _reader.Advance(done * Size);
        return done;
    }

    /// <summary>Bytes left.</summary>
    public readonly long Remaining => _reader.Remaining;

    /// <summary>Whether every byte was consumed.</summary>
    public readonly bool End => _reader.End;

    /// <summary>The position of the next token in the original sequence.</summary>
    public readonly SequencePosition Position => _reader.Position;

    /// <summary>The format byte of the next token.</summary>
    /// <exception cref="MessagePackSerializationException">There is no next token.</exception>
    public readonly byte NextCode
    {
        get
        {
            if (!_reader.TryPeek(out byte code))
            {
                ThrowTruncated("a token");
            }
            return code;
        }
    }

    /// <summary>The type family of the next token.</summary>
    public readonly MessagePackType NextMessagePackType => MessagePackCode.ToType(NextCode);

    /// <summary>Consumes a nil if one is next.</summary>
    public bool TryReadNil()
    {
        if (_reader.TryPeek(out byte code) && code == MessagePackCode.Nil)
        {
            _reader.Advance(1);
            return true;
        }
        return false;
    }

    /// <summary>Reads nil.</summary>
    public void ReadNil()
    {
        if (!TryReadNil())
        {
            ThrowUnexpected(nameof(MessagePackType.Nil));
        }
    }

    /// <summary>Reads true or false.</summary>
    public bool ReadBoolean() => ReadToken<bool>(&MessagePackPrimitives.TryReadBoolean, "bool");

    /// <summary>Reads any integer format that fits a long.</summary>
    public long ReadInt64() => ReadToken<long>(&MessagePackPrimitives.TryReadInt64, "an integer that fits int64");

    /// <summary>Reads any non-negative integer format.</summary>
    public ulong ReadUInt64() => ReadToken<ulong>(&MessagePackPrimitives.TryReadUInt64, "a non-negative integer");

    /// <summary>Reads an integer that fits an int.</summary>
    public int ReadInt32()
    {
        long value = ReadInt64();
        if (value is < int.MinValue or > int.MaxValue)
        {
            ThrowOutOfRange(value, "int32");
        }
        return (int)value;
    }

    /// <summary>Reads an integer that fits a uint.</summary>
    public uint ReadUInt32()
    {
        ulong value = ReadUInt64();
        if (value > uint.MaxValue)
        {
            ThrowOutOfRange((long)Math.Min(value, long.MaxValue), "uint32");
        }
        return (uint)value;
    }

    /// <summary>Reads float 32 or float 64; integers are accepted too and converted.</summary>
    public double ReadDouble()
    {
        byte code = NextCode;
        if (MessagePackCode.ToType(code) == MessagePackType.Integer)
        {
            return code == MessagePackCode.UInt64 ? ReadUInt64() : ReadInt64();
        }
        double value = ReadToken<double>(&MessagePackPrimitives.TryReadDouble, "a float");
        return value;
    }

    /// <summary>Reads a str header and returns its UTF-8 bytes without copying.</summary>
    public ReadOnlySequence<byte> ReadStringSequence()
    {
        uint length = ReadToken<uint>(&MessagePackPrimitives.TryReadStringHeader, "str");
        return TakeBody(length, "str");
    }

    /// <summary>Reads a str as a string, or null for nil.</summary>
    public string? ReadString()
    {
        if (TryReadNil())
        {
            return null;
        }
        var bytes = ReadStringSequence();
        try
        {
            return s_strictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new MessagePackSerializationException("A str value is not valid UTF-8.");
        }
    }

    /// <summary>Reads a bin and returns a slice of the input (no copy), or null for nil.</summary>
    public ReadOnlySequence<byte>? ReadBytes()
    {
        if (TryReadNil())
        {
            return null;
        }
        uint length = ReadToken<uint>(&MessagePackPrimitives.TryReadBinHeader, "bin");
        return TakeBody(length, "bin");
    }

    /// <summary>Reads an array header.</summary>
    /// <returns>The element count, checked against the bytes left (each element takes at least one).</returns>
    public int ReadArrayHeader()
    {
        uint count = ReadToken<uint>(&MessagePackPrimitives.TryReadArrayHeader, "array");
        return CheckCount(count, 1, "array");
    }

    /// <summary>Reads a map header.</summary>
    /// <returns>The pair count, checked against the bytes left (each pair takes at least two).</returns>
    public int ReadMapHeader()
    {
        uint count = ReadToken<uint>(&MessagePackPrimitives.TryReadMapHeader, "map");
        return CheckCount(count, 2, "map");
    }

    /// <summary>Reads an ext or fixext header; <see cref="ReadExtensionBody"/> takes the data.</summary>
    public ExtensionHeader ReadExtensionHeader()
    {
        ExtensionHeader header = ReadToken<ExtensionHeader>(&MessagePackPrimitives.TryReadExtensionHeader, "ext");
        if (header.Length > _reader.Remaining)
        {
            ThrowDeclaredTooLong("ext", header.Length);
        }
        return header;
    }

    /// <summary>Takes the data of an extension whose header was just read (no copy).</summary>
    public ReadOnlySequence<byte> ReadExtensionBody(ExtensionHeader header) => TakeBody(header.Length, "ext");

    /// <summary>Reads a timestamp (ext -1 in its 32-, 64- or 96-bit form).</summary>
    public MessagePackTimestamp ReadTimestamp()
    {
        var header = ReadExtensionHeader();
        if (header.TypeCode != MessagePackCode.TimestampExtensionType || header.Length is not (4 or 8 or 12))
        {
            throw new MessagePackSerializationException($"Expected a timestamp (ext -1 of 4, 8 or 12 bytes) but found ext {header.TypeCode} of {header.Length} bytes.");
        }
        Span<byte> data = stackalloc byte[12];
        data = data[..(int)header.Length];
        TakeBody(header.Length, "ext").CopyTo(data);
        switch (header.Length)
        {
            case 4:
                return new MessagePackTimestamp(BinaryPrimitives.ReadUInt32BigEndian(data), 0);
            case 8:
                ulong packed = BinaryPrimitives.ReadUInt64BigEndian(data);
                return CheckNanoseconds(new MessagePackTimestamp((long)(packed & 0x3_ffff_ffffUL), (uint)(packed >> 34)));
            default:
                return CheckNanoseconds(new MessagePackTimestamp(BinaryPrimitives.ReadInt64BigEndian(data[4..]), BinaryPrimitives.ReadUInt32BigEndian(data)));
        }
    }

    /// <summary>Skips one complete value of any type, nested values included, up to <see cref="MaxDepth"/>.</summary>
    public void Skip() => SkipAtDepth(0);

    /// <summary>Passes over up to <paramref name="max"/> consecutive <c>[float64, float64]</c> elements in the current segment.</summary>
    private int SkipFloat64Pairs(int max)
    {
        const int Size = MessagePackPrimitives.Float64PairSize;
        var source = _reader.UnreadSpan;
        int available = Math.Min(max, source.Length / Size);
        int done = 0;
        while (done < available && MessagePackPrimitives.IsFloat64Pair(source.Slice(done * Size, Size)))
        {
            done++;
        }
        _reader.Advance(done * Size);
        return done;
    }

    private void SkipAtDepth(int depth)
    {
        if (depth > MaxDepth)
        {
            throw new MessagePackSerializationException($"The data nests deeper than the limit of {MaxDepth}.");
        }
        switch (NextMessagePackType)
        {
            case MessagePackType.Nil:
            case MessagePackType.Boolean:
                _reader.Advance(1);
                break;
            case MessagePackType.Integer:
                ReadInt64OrUInt64();
                break;
            case MessagePackType.Float:
                ReadDouble();
                break;
            case MessagePackType.String:
                ReadStringSequence();
                break;
            case MessagePackType.Binary:
                ReadBytes();
                break;
            case MessagePackType.Extension:
                ReadExtensionBody(ReadExtensionHeader());
                break;
            case MessagePackType.Array:
                for (int i = ReadArrayHeader(); i > 0;)
                {
                    // Runs of [float64, float64] elements are checked and passed over in bulk.
                    int pairs = depth + 2 <= MaxDepth ? SkipFloat64Pairs(i) : 0;
                    if (pairs == 0)
                    {
                        SkipAtDepth(depth + 1);
                        pairs = 1;
                    }
                    i -= pairs;
                }
                break;
            case MessagePackType.Map:
                for (int i = ReadMapHeader(); i > 0; i--)
                {
                    SkipAtDepth(depth + 1);
                    SkipAtDepth(depth + 1);
                }
                break;
            default:
                ThrowUnexpected("any value");
                break;
        }
    }

    private void ReadInt64OrUInt64()
    {
        if (NextCode == MessagePackCode.UInt64)
        {
            ReadUInt64();
        }
        else
        {
            ReadInt64();
        }
    }

    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Copies the next few bytes, across segments, into scratch for a token that straddles them.</summary>
    private readonly ReadOnlySpan<byte> Gather(Span<byte> scratch)
    {
        int count = (int)Math.Min(scratch.Length, _reader.Remaining);
        var copy = scratch[..count];
        _reader.TryCopyTo(copy);
        return copy;
    }

    /// <summary>
    /// Decodes one token with a span-level primitive: from the current segment when the token is inside it, else
    /// from a small copy of the next bytes across segments (the rare case), then advances past it.
    /// </summary>
    private T ReadToken<T>(delegate*<ReadOnlySpan<byte>, out T, out int, DecodeResult> decode, string expected)
    {
        var result = decode(_reader.UnreadSpan, out T value, out int size);
        if (result == DecodeResult.InsufficientBuffer)
        {
            Span<byte> scratch = stackalloc byte[MessagePackPrimitives.MaxHeaderSize];
            result = decode(Gather(scratch), out value, out size);
        }
        Finish(result, size, expected);
        return value;
    }

    private void Finish(DecodeResult result, int tokenSize, string expected)
    {
        if (result != DecodeResult.Success)
        {
            ThrowFor(result, expected);
        }
        _reader.Advance(tokenSize);
    }

    private ReadOnlySequence<byte> TakeBody(uint length, string what)
    {
        if (length > _reader.Remaining)
        {
            ThrowDeclaredTooLong(what, length);
        }
        var body = _reader.UnreadSequence.Slice(0, length);
        _reader.Advance(length);
        return body;
    }

    private readonly int CheckCount(uint count, int minimumBytesEach, string what)
    {
        // Protect against corrupted or hostile data: never trust a count the remaining bytes cannot back.
        if ((ulong)count * (ulong)minimumBytesEach > (ulong)_reader.Remaining)
        {
            throw new MessagePackSerializationException($"A {what} declares {count} elements but only {_reader.Remaining} bytes remain.");
        }
        return (int)count;
    }

    private static MessagePackTimestamp CheckNanoseconds(MessagePackTimestamp timestamp) =>
        timestamp.Nanoseconds <= 999_999_999
            ? timestamp
            : throw new MessagePackSerializationException($"A timestamp has {timestamp.Nanoseconds} nanoseconds; at most 999999999 are allowed.");

    [DoesNotReturn]
    private readonly void ThrowFor(DecodeResult result, string expected)
    {
        if (result == DecodeResult.TokenMismatch)
        {
            ThrowUnexpected(expected);
        }
        ThrowTruncated(expected);
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private readonly void ThrowUnexpected(string expected)
    {
        byte code = NextCode;
        throw new MessagePackSerializationException($"Unexpected msgpack code 0x{code:x2} ({MessagePackCode.ToType(code)}) encountered at offset {Consumed}; expected {expected}.");
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private readonly void ThrowTruncated(string expected) =>
        throw new MessagePackSerializationException($"The data ends at offset {Consumed} in the middle of {expected}.");

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private readonly void ThrowDeclaredTooLong(string what, uint length) =>
        throw new MessagePackSerializationException($"A {what} declares {length} bytes but only {_reader.Remaining} remain.");

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowOutOfRange(long value, string type) =>
        throw new MessagePackSerializationException($"The integer {value} does not fit {type}.");
}
