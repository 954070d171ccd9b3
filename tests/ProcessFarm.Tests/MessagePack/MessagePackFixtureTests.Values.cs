using System.Buffers;
using System.Globalization;
using System.Numerics;
using System.Text.Json;
using MessagePack;
using ProcessFarm.Shared.MessagePack;
using Xunit;

namespace ProcessFarm.Tests.MessagePack;

/// <summary>The suite's values: reading each case with the library, writing it back, comparing with the JSON.</summary>
public partial class MessagePackFixtureTests
{
    private static void AssertDecodes(JsonElement testCase, ReadOnlySequence<byte> bytes, string label)
    {
        var reader = new MessagePackReader(bytes);
        var (kind, expected) = ValueOf(testCase);
        object? actual = ReadValue(ref reader, kind, expected);
        Assert.True(reader.End, $"{label}: bytes left over");
        Assert.True(JsonEquals(expected, actual), $"{label}: decoded {Show(actual)}, expected {expected}");
    }

    /// <summary>Reads the next value guided by the case's kind; numbers may come as ints or floats.</summary>
    private static object? ReadValue(ref MessagePackReader reader, string kind, JsonElement expected)
    {
        switch (kind)
        {
            case "nil":
                reader.ReadNil();
                return null;
            case "bool":
                return reader.ReadBoolean();
            case "number":
            case "bignum":
                return ReadNumber(ref reader);
            case "string":
                return ReadString(ref reader);
            case "binary":
                return reader.ReadBytes()!.Value.ToArray();
            case "timestamp":
                var (seconds, nanoseconds) = ReadTimestamp(ref reader);
                return new object[] { new BigInteger(seconds), new BigInteger(nanoseconds) };
            case "ext":
                var header = reader.ReadExtensionFormatHeader();
                return new object[] { new BigInteger(header.TypeCode), reader.ReadRaw(header.Length).ToArray() };
            default:
                return ReadAny(ref reader);
        }
    }

    private static object? ReadAny(ref MessagePackReader reader)
    {
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Nil:
                reader.ReadNil();
                return null;
            case MessagePackType.Boolean:
                return reader.ReadBoolean();
            case MessagePackType.Integer:
            case MessagePackType.Float:
                return ReadNumber(ref reader);
            case MessagePackType.String:
                return ReadString(ref reader);
            case MessagePackType.Binary:
                return reader.ReadBytes()!.Value.ToArray();
            case MessagePackType.Array:
                var items = new object?[reader.ReadArrayHeader()];
                for (int i = 0; i < items.Length; i++)
                {
                    items[i] = ReadAny(ref reader);
                }
                return items;
            case MessagePackType.Map:
                var map = new Dictionary<string, object?>();
                for (int i = reader.ReadMapHeader(); i > 0; i--)
                {
                    map[ReadString(ref reader)] = ReadAny(ref reader);
                }
                return map;
            default:
                throw new InvalidOperationException("the suite has no top-level ext inside containers");
        }
    }

    private static object ReadNumber(ref MessagePackReader reader)
    {
        if (reader.NextMessagePackType == MessagePackType.Float)
        {
            return reader.ReadDouble();
        }
        // The exact reader and the library's own agree wherever the library's can hold the value.
        var exact = MessagePackReading.ReadInteger(ref reader);
        return (BigInteger)exact;
    }

    /// <summary>A str through the strict reader, which must agree with the library's lossy one on every valid string.</summary>
    private static string ReadString(ref MessagePackReader reader)
    {
        var library = reader.CreatePeekReader().ReadString();
        string strict = MessagePackReading.ReadStrictString(ref reader)!;
        Assert.Equal(library, strict);
        return strict;
    }

    /// <summary>The timestamp extension (type -1) in its three sizes; the library's ReadDateTime stops at year 1.</summary>
    private static (long Seconds, long Nanoseconds) ReadTimestamp(ref MessagePackReader reader)
    {
        var header = reader.ReadExtensionFormatHeader();
        Assert.Equal(-1, header.TypeCode);
        byte[] data = reader.ReadRaw(header.Length).ToArray();
        switch (data.Length)
        {
            case 4:
                return (System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(data), 0);
            case 8:
                ulong both = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(data);
                return ((long)(both & 0x3_ffff_ffffUL), (long)(both >> 34));
            default:
                return (System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(data.AsSpan(4)), System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(data));
        }
    }

    private static void Write(ref MessagePackWriter writer, JsonElement testCase)
    {
        var (kind, value) = ValueOf(testCase);
        switch (kind)
        {
            case "timestamp":
                WriteTimestamp(ref writer, value[0].GetInt64(), value[1].GetUInt32());
                break;
            case "ext":
                writer.WriteExtensionFormat(new ExtensionResult((sbyte)value[0].GetInt32(), ParseHex(value[1].GetString()!)));
                break;
            case "binary":
                writer.Write(ParseHex(value.GetString()!));
                break;
            case "bignum":
                var big = BigInteger.Parse(value.GetString()!, CultureInfo.InvariantCulture);
                if (big.Sign < 0)
                {
                    writer.Write((long)big);
                }
                else
                {
                    writer.Write((ulong)big);
                }
                break;
            default:
                WriteJson(ref writer, value);
                break;
        }
    }

    /// <summary>The shortest of the three timestamp forms that holds the value (the spec's rule).</summary>
    private static void WriteTimestamp(ref MessagePackWriter writer, long seconds, uint nanoseconds)
    {
        byte[] data;
        if (nanoseconds == 0 && seconds is >= 0 and <= uint.MaxValue)
        {
            data = new byte[4];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(data, (uint)seconds);
        }
        else if (seconds is >= 0 and < (1L << 34))
        {
            data = new byte[8];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(data, ((ulong)nanoseconds << 34) | (ulong)seconds);
        }
        else
        {
            data = new byte[12];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(data, nanoseconds);
            System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(data.AsSpan(4), seconds);
        }
        writer.WriteExtensionFormat(new ExtensionResult(-1, data));
    }

    private static void WriteJson(ref MessagePackWriter writer, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Null:
                writer.WriteNil();
                break;
            case JsonValueKind.True:
            case JsonValueKind.False:
                writer.Write(value.GetBoolean());
                break;
            case JsonValueKind.String:
                writer.Write(value.GetString());
                break;
            case JsonValueKind.Number when value.TryGetInt64(out long integer):
                writer.Write(integer);
                break;
            case JsonValueKind.Number:
                // Shortest float: float 32 when it holds the value exactly.
                double number = value.GetDouble();
                if ((double)(float)number == number)
                {
                    writer.Write((float)number);
                }
                else
                {
                    writer.Write(number);
                }
                break;
            case JsonValueKind.Array:
                writer.WriteArrayHeader(value.GetArrayLength());
                foreach (var item in value.EnumerateArray())
                {
                    WriteJson(ref writer, item);
                }
                break;
            default:
                var properties = value.EnumerateObject().ToList();
                writer.WriteMapHeader(properties.Count);
                foreach (var property in properties)
                {
                    writer.Write(property.Name);
                    WriteJson(ref writer, property.Value);
                }
                break;
        }
    }

    private static (string Kind, JsonElement Value) ValueOf(JsonElement testCase)
    {
        // bignum wins over number: it is the exact one.
        foreach (string kind in new[] { "bignum", "nil", "bool", "binary", "number", "string", "array", "map", "timestamp", "ext" })
        {
            if (testCase.TryGetProperty(kind, out var value))
            {
                return (kind, value);
            }
        }
        throw new InvalidOperationException("a case without a value");
    }

    private static bool JsonEquals(JsonElement expected, object? actual)
    {
        switch (expected.ValueKind)
        {
            case JsonValueKind.Null:
                return actual is null;
            case JsonValueKind.True:
            case JsonValueKind.False:
                return actual is bool b && b == expected.GetBoolean();
            case JsonValueKind.Number:
                return actual switch
                {
                    BigInteger integer => expected.TryGetInt64(out long l) ? integer == l : (double)integer == expected.GetDouble(),
                    double d => d == expected.GetDouble(),
                    _ => false,
                };
            case JsonValueKind.String when actual is BigInteger big:
                return big == BigInteger.Parse(expected.GetString()!, CultureInfo.InvariantCulture);
            case JsonValueKind.String when actual is byte[] bytes:
                return bytes.AsSpan().SequenceEqual(ParseHex(expected.GetString()!));
            case JsonValueKind.String when actual is double d:
                return d == (double)BigInteger.Parse(expected.GetString()!, CultureInfo.InvariantCulture);
            case JsonValueKind.String:
                return actual is string s && s == expected.GetString();
            case JsonValueKind.Array:
                return actual is object?[] items && items.Length == expected.GetArrayLength()
                    && expected.EnumerateArray().Select((e, i) => JsonEquals(e, items[i])).All(x => x);
            default:
                return actual is Dictionary<string, object?> map && map.Count == expected.EnumerateObject().Count()
                    && expected.EnumerateObject().All(p => map.TryGetValue(p.Name, out var v) && JsonEquals(p.Value, v));
        }
    }

    private static string Show(object? value) => value switch
    {
        null => "nil",
        byte[] bytes => Convert.ToHexString(bytes),
        object?[] items => "[" + string.Join(", ", items.Select(Show)) + "]",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "?",
    };

    internal static ReadOnlySequence<byte> OneBytePerSegment(byte[] bytes)
    {
        if (bytes.Length == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }
        var first = new Segment(bytes.AsMemory(0, 1), 0);
        var last = first;
        for (int i = 1; i < bytes.Length; i++)
        {
            last = last.Append(bytes.AsMemory(i, 1));
        }
        return new ReadOnlySequence<byte>(first, 0, last, 1);
    }

    private static byte[] ParseHex(string hex) => hex.Length == 0 ? [] : Convert.FromHexString(hex.Replace("-", string.Empty, StringComparison.Ordinal));

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
