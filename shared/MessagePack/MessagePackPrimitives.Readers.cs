using System.Buffers.Binary;

namespace ProcessFarm.Shared.MessagePack;

/// <summary>
/// Span-level decoding of single MessagePack tokens: no state, no allocation, no exceptions. Each reader
/// returns how many bytes the token header took; for str, bin and ext the payload length is reported, not
/// consumed. <see cref="MessagePackReader"/> layers sequences, limits and errors on top.
/// </summary>
public static partial class MessagePackPrimitives
{
    /// <summary>True when <paramref name="source"/> starts with the array <c>[float64, float64]</c> in that exact form.</summary>
    public static bool IsFloat64Pair(ReadOnlySpan<byte> source) =>
        source.Length >= Float64PairSize && source[0] == MessagePackCode.MinFixArray + 2 && source[1] == MessagePackCode.Float64 && source[10] == MessagePackCode.Float64;

    /// <summary>
    /// Decodes the array <c>[a, b]</c> of two float 64 in exactly this form (fixarray(2), two float 64 codes);
    /// false for anything else, including a shorter span, so the caller falls back to token-by-token reading.
    /// </summary>
    public static bool TryReadFloat64Pair(ReadOnlySpan<byte> source, out double a, out double b)
    {
        if (!IsFloat64Pair(source))
        {
            a = b = 0;
            return false;
        }
        a = BinaryPrimitives.ReadDoubleBigEndian(source[2..]);
        b = BinaryPrimitives.ReadDoubleBigEndian(source[11..]);
        return true;
    }

    /// <summary>Decodes nil.</summary>
    public static DecodeResult TryReadNil(ReadOnlySpan<byte> source, out int tokenSize)
    {
        tokenSize = 1;
        return source.IsEmpty ? DecodeResult.EmptyBuffer : source[0] == MessagePackCode.Nil ? DecodeResult.Success : DecodeResult.TokenMismatch;
    }

    /// <summary>Decodes true or false.</summary>
    public static DecodeResult TryReadBoolean(ReadOnlySpan<byte> source, out bool value, out int tokenSize)
    {
        tokenSize = 1;
        value = false;
        if (source.IsEmpty)
        {
            return DecodeResult.EmptyBuffer;
        }
        switch (source[0])
        {
            case MessagePackCode.True:
                value = true;
                return DecodeResult.Success;
            case MessagePackCode.False:
                return DecodeResult.Success;
            default:
                return DecodeResult.TokenMismatch;
        }
    }

    /// <summary>Decodes any integer format into a signed 64-bit value; uint 64 above long.MaxValue is a mismatch.</summary>
    public static DecodeResult TryReadInt64(ReadOnlySpan<byte> source, out long value, out int tokenSize)
    {
        var result = TryReadIntegerRaw(source, out ulong bits, out bool isUnsigned, out tokenSize);
        value = unchecked((long)bits);
        if (result == DecodeResult.Success && isUnsigned && bits > long.MaxValue)
        {
            return DecodeResult.TokenMismatch;
        }
        return result;
    }

    /// <summary>Decodes any integer format into an unsigned 64-bit value; negative values are a mismatch.</summary>
    public static DecodeResult TryReadUInt64(ReadOnlySpan<byte> source, out ulong value, out int tokenSize)
    {
        var result = TryReadIntegerRaw(source, out value, out bool isUnsigned, out tokenSize);
        if (result == DecodeResult.Success && !isUnsigned && unchecked((long)value) < 0)
        {
            return DecodeResult.TokenMismatch;
        }
        return result;
    }

    /// <summary>Decodes float 32 or float 64 (widened to double).</summary>
    public static DecodeResult TryReadDouble(ReadOnlySpan<byte> source, out double value, out int tokenSize)
    {
        value = 0;
        tokenSize = 1;
        if (source.IsEmpty)
        {
            return DecodeResult.EmptyBuffer;
        }
        switch (source[0])
        {
            case MessagePackCode.Float32:
                tokenSize = 5;
                if (source.Length < 5)
                {
                    return DecodeResult.InsufficientBuffer;
                }
                value = BinaryPrimitives.ReadSingleBigEndian(source[1..]);
                return DecodeResult.Success;
            case MessagePackCode.Float64:
                tokenSize = 9;
                if (source.Length < 9)
                {
                    return DecodeResult.InsufficientBuffer;
                }
                value = BinaryPrimitives.ReadDoubleBigEndian(source[1..]);
                return DecodeResult.Success;
            default:
                return DecodeResult.TokenMismatch;
        }
    }

    /// <summary>Decodes a str header (fixstr, str 8/16/32); the UTF-8 bytes follow.</summary>
    public static DecodeResult TryReadStringHeader(ReadOnlySpan<byte> source, out uint length, out int tokenSize)
    {
        if (!source.IsEmpty && source[0] is >= MessagePackCode.MinFixStr and <= MessagePackCode.MaxFixStr)
        {
            length = (uint)(source[0] & 0x1f);
            tokenSize = 1;
            return DecodeResult.Success;
        }
        return TryReadSizedHeader(source, MessagePackCode.Str8, MessagePackCode.Str16, MessagePackCode.Str32, out length, out tokenSize);
    }

    /// <summary>Decodes a bin header (bin 8/16/32); the bytes follow.</summary>
    public static DecodeResult TryReadBinHeader(ReadOnlySpan<byte> source, out uint length, out int tokenSize) =>
        TryReadSizedHeader(source, MessagePackCode.Bin8, MessagePackCode.Bin16, MessagePackCode.Bin32, out length, out tokenSize);

    /// <summary>Decodes an array header (fixarray, array 16/32); the elements follow.</summary>
    public static DecodeResult TryReadArrayHeader(ReadOnlySpan<byte> source, out uint count, out int tokenSize)
    {
        if (!source.IsEmpty && source[0] is >= MessagePackCode.MinFixArray and <= MessagePackCode.MaxFixArray)
        {
            count = (uint)(source[0] & 0x0f);
            tokenSize = 1;
            return DecodeResult.Success;
        }
        return TryReadSizedHeader(source, 0, MessagePackCode.Array16, MessagePackCode.Array32, out count, out tokenSize);
    }

    /// <summary>Decodes a map header (fixmap, map 16/32); count key/value pairs follow.</summary>
    public static DecodeResult TryReadMapHeader(ReadOnlySpan<byte> source, out uint count, out int tokenSize)
    {
        if (!source.IsEmpty && source[0] is >= MessagePackCode.MinFixMap and <= MessagePackCode.MaxFixMap)
        {
            count = (uint)(source[0] & 0x0f);
            tokenSize = 1;
            return DecodeResult.Success;
        }
        return TryReadSizedHeader(source, 0, MessagePackCode.Map16, MessagePackCode.Map32, out count, out tokenSize);
    }

    /// <summary>Decodes an ext or fixext header; the data bytes follow.</summary>
    public static DecodeResult TryReadExtensionHeader(ReadOnlySpan<byte> source, out ExtensionHeader header, out int tokenSize)
    {
        header = default;
        tokenSize = 1;
        if (source.IsEmpty)
        {
            return DecodeResult.EmptyBuffer;
        }

        uint length;
        switch (source[0])
        {
            case MessagePackCode.FixExt1: length = 1; tokenSize = 2; break;
            case MessagePackCode.FixExt2: length = 2; tokenSize = 2; break;
            case MessagePackCode.FixExt4: length = 4; tokenSize = 2; break;
            case MessagePackCode.FixExt8: length = 8; tokenSize = 2; break;
            case MessagePackCode.FixExt16: length = 16; tokenSize = 2; break;
            case MessagePackCode.Ext8:
                tokenSize = 3;
                if (source.Length < tokenSize)
                {
                    return DecodeResult.InsufficientBuffer;
                }
                length = source[1];
                break;
            case MessagePackCode.Ext16:
                tokenSize = 4;
                if (source.Length < tokenSize)
                {
                    return DecodeResult.InsufficientBuffer;
                }
                length = BinaryPrimitives.ReadUInt16BigEndian(source[1..]);
                break;
            case MessagePackCode.Ext32:
                tokenSize = 6;
                if (source.Length < tokenSize)
                {
                    return DecodeResult.InsufficientBuffer;
                }
                length = BinaryPrimitives.ReadUInt32BigEndian(source[1..]);
                break;
            default:
                return DecodeResult.TokenMismatch;
        }
        if (source.Length < tokenSize)
        {
            return DecodeResult.InsufficientBuffer;
        }
        header = new ExtensionHeader(unchecked((sbyte)source[tokenSize - 1]), length);
        return DecodeResult.Success;
    }

    private static DecodeResult TryReadIntegerRaw(ReadOnlySpan<byte> source, out ulong bits, out bool isUnsigned, out int tokenSize)
    {
        bits = 0;
        isUnsigned = true;
        tokenSize = 1;
        if (source.IsEmpty)
        {
            return DecodeResult.EmptyBuffer;
        }

        byte code = source[0];
        if (code <= MessagePackCode.MaxFixInt)
        {
            bits = code;
            return DecodeResult.Success;
        }
        if (code >= MessagePackCode.MinNegativeFixInt)
        {
            bits = unchecked((ulong)(long)(sbyte)code);
            isUnsigned = false;
            return DecodeResult.Success;
        }

        tokenSize = code switch
        {
            MessagePackCode.UInt8 or MessagePackCode.Int8 => 2,
            MessagePackCode.UInt16 or MessagePackCode.Int16 => 3,
            MessagePackCode.UInt32 or MessagePackCode.Int32 => 5,
            MessagePackCode.UInt64 or MessagePackCode.Int64 => 9,
            _ => 0,
        };
        if (tokenSize == 0)
        {
            tokenSize = 1;
            return DecodeResult.TokenMismatch;
        }
        if (source.Length < tokenSize)
        {
            return DecodeResult.InsufficientBuffer;
        }

        var body = source[1..];
        isUnsigned = code <= MessagePackCode.UInt64;
        bits = code switch
        {
            MessagePackCode.UInt8 => body[0],
            MessagePackCode.UInt16 => BinaryPrimitives.ReadUInt16BigEndian(body),
            MessagePackCode.UInt32 => BinaryPrimitives.ReadUInt32BigEndian(body),
            MessagePackCode.UInt64 => BinaryPrimitives.ReadUInt64BigEndian(body),
            MessagePackCode.Int8 => unchecked((ulong)(long)(sbyte)body[0]),
            MessagePackCode.Int16 => unchecked((ulong)(long)BinaryPrimitives.ReadInt16BigEndian(body)),
            MessagePackCode.Int32 => unchecked((ulong)(long)BinaryPrimitives.ReadInt32BigEndian(body)),
            _ => unchecked((ulong)BinaryPrimitives.ReadInt64BigEndian(body)),
        };
        return DecodeResult.Success;
    }

    /// <summary>A header made of one code byte and a 1-, 2- or 4-byte big-endian size (code8 0 = no 8-bit form).</summary>
    private static DecodeResult TryReadSizedHeader(ReadOnlySpan<byte> source, byte code8, byte code16, byte code32, out uint length, out int tokenSize)
    {
        length = 0;
        tokenSize = 1;
        if (source.IsEmpty)
        {
            return DecodeResult.EmptyBuffer;
        }
        byte code = source[0];
        if (code8 != 0 && code == code8)
        {
            tokenSize = 2;
        }
        else if (code == code16)
        {
            tokenSize = 3;
        }
        else if (code == code32)
        {
            tokenSize = 5;
        }
        else
        {
            return DecodeResult.TokenMismatch;
        }
        if (source.Length < tokenSize)
        {
            return DecodeResult.InsufficientBuffer;
        }
        length = tokenSize switch
        {
            2 => source[1],
            3 => BinaryPrimitives.ReadUInt16BigEndian(source[1..]),
            _ => BinaryPrimitives.ReadUInt32BigEndian(source[1..]),
        };
        return DecodeResult.Success;
    }
}
