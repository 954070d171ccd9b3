using System.Buffers.Binary;

namespace ProcessFarm.Shared.MessagePack;

public static partial class MessagePackPrimitives
{
    /// <summary>The most bytes any header or scalar written here takes (code byte plus 8 bytes).</summary>
    public const int MaxHeaderSize = 9;

    /// <summary>Writes an integer in its shortest form: fixint, then uint or int 8/16/32/64.</summary>
    /// <returns>Bytes written; <paramref name="destination"/> must hold <see cref="MaxHeaderSize"/>.</returns>
    public static int WriteInt64(Span<byte> destination, long value)
    {
        if (value >= 0)
        {
            return WriteUInt64(destination, (ulong)value);
        }
        if (value >= -32)
        {
            destination[0] = unchecked((byte)(sbyte)value);
            return 1;
        }
        if (value >= sbyte.MinValue)
        {
            destination[0] = MessagePackCode.Int8;
            destination[1] = unchecked((byte)(sbyte)value);
            return 2;
        }
        if (value >= short.MinValue)
        {
            destination[0] = MessagePackCode.Int16;
            BinaryPrimitives.WriteInt16BigEndian(destination[1..], (short)value);
            return 3;
        }
        if (value >= int.MinValue)
        {
            destination[0] = MessagePackCode.Int32;
            BinaryPrimitives.WriteInt32BigEndian(destination[1..], (int)value);
            return 5;
        }
        destination[0] = MessagePackCode.Int64;
        BinaryPrimitives.WriteInt64BigEndian(destination[1..], value);
        return 9;
    }

    /// <summary>Writes a non-negative integer in its shortest form: fixint, then uint 8/16/32/64.</summary>
    public static int WriteUInt64(Span<byte> destination, ulong value)
    {
        if (value <= MessagePackCode.MaxFixInt)
        {
            destination[0] = (byte)value;
            return 1;
        }
        if (value <= byte.MaxValue)
        {
            destination[0] = MessagePackCode.UInt8;
            destination[1] = (byte)value;
            return 2;
        }
        if (value <= ushort.MaxValue)
        {
            destination[0] = MessagePackCode.UInt16;
            BinaryPrimitives.WriteUInt16BigEndian(destination[1..], (ushort)value);
            return 3;
        }
        if (value <= uint.MaxValue)
        {
            destination[0] = MessagePackCode.UInt32;
            BinaryPrimitives.WriteUInt32BigEndian(destination[1..], (uint)value);
            return 5;
        }
        destination[0] = MessagePackCode.UInt64;
        BinaryPrimitives.WriteUInt64BigEndian(destination[1..], value);
        return 9;
    }

    /// <summary>Writes float 64.</summary>
    public static int WriteDouble(Span<byte> destination, double value)
    {
        destination[0] = MessagePackCode.Float64;
        BinaryPrimitives.WriteDoubleBigEndian(destination[1..], value);
        return 9;
    }

    /// <summary>Bytes of one array element <c>[float64, float64]</c>: fixarray(2), then two float 64.</summary>
    public const int Float64PairSize = 19;

    /// <summary>Writes the array <c>[a, b]</c> of two float 64 (<see cref="Float64PairSize"/> bytes).</summary>
    public static void WriteFloat64Pair(Span<byte> destination, double a, double b)
    {
        destination = destination[..Float64PairSize];
        destination[0] = MessagePackCode.MinFixArray + 2;
        destination[1] = MessagePackCode.Float64;
        BinaryPrimitives.WriteDoubleBigEndian(destination[2..], a);
        destination[10] = MessagePackCode.Float64;
        BinaryPrimitives.WriteDoubleBigEndian(destination[11..], b);
    }

    /// <summary>Writes float 32.</summary>
    public static int WriteSingle(Span<byte> destination, float value)
    {
        destination[0] = MessagePackCode.Float32;
        BinaryPrimitives.WriteSingleBigEndian(destination[1..], value);
        return 5;
    }

    /// <summary>Writes the shortest str header for <paramref name="length"/> UTF-8 bytes.</summary>
    public static int WriteStringHeader(Span<byte> destination, uint length)
    {
        if (length <= 31)
        {
            destination[0] = (byte)(MessagePackCode.MinFixStr | length);
            return 1;
        }
        return WriteSizedHeader(destination, MessagePackCode.Str8, MessagePackCode.Str16, MessagePackCode.Str32, length);
    }

    /// <summary>Writes the shortest bin header for <paramref name="length"/> bytes.</summary>
    public static int WriteBinHeader(Span<byte> destination, uint length) =>
        WriteSizedHeader(destination, MessagePackCode.Bin8, MessagePackCode.Bin16, MessagePackCode.Bin32, length);

    /// <summary>Writes the shortest array header.</summary>
    public static int WriteArrayHeader(Span<byte> destination, uint count)
    {
        if (count <= 15)
        {
            destination[0] = (byte)(MessagePackCode.MinFixArray | count);
            return 1;
        }
        return WriteSizedHeader(destination, 0, MessagePackCode.Array16, MessagePackCode.Array32, count);
    }

    /// <summary>Writes the shortest map header.</summary>
    public static int WriteMapHeader(Span<byte> destination, uint count)
    {
        if (count <= 15)
        {
            destination[0] = (byte)(MessagePackCode.MinFixMap | count);
            return 1;
        }
        return WriteSizedHeader(destination, 0, MessagePackCode.Map16, MessagePackCode.Map32, count);
    }

    /// <summary>Writes the shortest ext header: fixext for 1, 2, 4, 8 and 16 bytes, else ext 8/16/32.</summary>
    public static int WriteExtensionHeader(Span<byte> destination, ExtensionHeader header)
    {
        byte fixCode = header.Length switch
        {
            1 => MessagePackCode.FixExt1,
            2 => MessagePackCode.FixExt2,
            4 => MessagePackCode.FixExt4,
            8 => MessagePackCode.FixExt8,
            16 => MessagePackCode.FixExt16,
            _ => 0,
        };
        if (fixCode != 0)
        {
            destination[0] = fixCode;
            destination[1] = unchecked((byte)header.TypeCode);
            return 2;
        }
        int size = WriteSizedHeader(destination, MessagePackCode.Ext8, MessagePackCode.Ext16, MessagePackCode.Ext32, header.Length);
        destination[size] = unchecked((byte)header.TypeCode);
        return size + 1;
    }

    private static int WriteSizedHeader(Span<byte> destination, byte code8, byte code16, byte code32, uint length)
    {
        if (code8 != 0 && length <= byte.MaxValue)
        {
            destination[0] = code8;
            destination[1] = (byte)length;
            return 2;
        }
        if (length <= ushort.MaxValue)
        {
            destination[0] = code16;
            BinaryPrimitives.WriteUInt16BigEndian(destination[1..], (ushort)length);
            return 3;
        }
        destination[0] = code32;
        BinaryPrimitives.WriteUInt32BigEndian(destination[1..], length);
        return 5;
    }
}
