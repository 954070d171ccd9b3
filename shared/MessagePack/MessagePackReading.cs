using System.Text;
using MessagePack;

namespace ProcessFarm.Shared.MessagePack;

/// <summary>
/// Reading rules that untrusted input needs and MessagePack-CSharp's <see cref="MessagePackReader"/> does not
/// enforce; each member says which gap it fills. Everything else is read with the library's own methods.
/// </summary>
/// <remarks>
/// Every failure is a <see cref="MessagePackSerializationException"/>, or one of the exceptions the library itself
/// throws on bad input; <see cref="IsDecodingFailure"/> recognises them all.
/// </remarks>
public static class MessagePackReading
{
    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Whether <paramref name="exception"/> is how the library (or this class) reports input that is not valid
    /// MessagePack: a bad format byte, a value the target type cannot hold, bytes that end too early (an array or map
    /// count the bytes left cannot hold included), or a str, bin or ext length of 2^31 or more, which the library
    /// reads as a negative <see cref="int"/> and hands to a slicing method.
    /// </summary>
    /// <remarks>Callers catch these only around reading, where no other code can throw them.</remarks>
    public static bool IsDecodingFailure(Exception exception) =>
        exception is MessagePackSerializationException or EndOfStreamException or OverflowException
            or ArgumentOutOfRangeException or DecoderFallbackException or InsufficientExecutionStackException;

    /// <summary>
    /// Any integer, exactly: the library's <c>ReadInt64</c> throws for a uint 64 above 2^63 - 1 and
    /// <c>ReadUInt64</c> for a negative value, while the protocol range-checks the exact value and answers with a
    /// documented error instead.
    /// </summary>
    /// <exception cref="MessagePackSerializationException">The next value is not an integer (a float included).</exception>
    public static Int128 ReadInteger(ref MessagePackReader reader) => reader.NextMessagePackType switch
    {
        MessagePackType.Integer when reader.NextCode == MessagePackCode.UInt64 => reader.ReadUInt64(),
        MessagePackType.Integer => reader.ReadInt64(),
        var other => throw new MessagePackSerializationException($"Expected an integer, not {Describe(other)}."),
    };

    /// <summary>
    /// A str as text, refusing invalid UTF-8: the library's <c>ReadString</c> replaces it with U+FFFD, so two
    /// different byte strings (two file names) would read as the same text. Nil reads as null.
    /// </summary>
    /// <exception cref="MessagePackSerializationException">Not a str or nil, or not valid UTF-8.</exception>
    public static string? ReadStrictString(ref MessagePackReader reader)
    {
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Nil:
                reader.ReadNil();
                return null;
            case MessagePackType.String:
                var bytes = reader.ReadStringSequence()!.Value;
                try
                {
                    return s_strictUtf8.GetString(bytes);
                }
                catch (DecoderFallbackException e)
                {
                    throw new MessagePackSerializationException("A str is not valid UTF-8.", e);
                }
            case var other:
                throw new MessagePackSerializationException($"Expected a str, not {Describe(other)}.");
        }
    }

    /// <summary>
    /// Skips one complete value, nested at most <paramref name="maxDepth"/> arrays or maps deep (a scalar is depth
    /// 0, <c>[[1]]</c> depth 2). The library's <c>Skip</c> has no nesting limit, and takes an array or map count of
    /// 2^31 or more as negative: it skips the header alone and reports success.
    /// </summary>
    /// <exception cref="MessagePackSerializationException">Malformed, or nested deeper than <paramref name="maxDepth"/>.</exception>
    public static void SkipValue(ref MessagePackReader reader, int maxDepth) => Skip(ref reader, maxDepth, 0);

    /// <summary>Throws unless a container whose elements sit <paramref name="level"/> deep is within <paramref name="maxDepth"/>.</summary>
    /// <exception cref="MessagePackSerializationException">It is not.</exception>
    public static void CheckDepth(int level, int maxDepth)
    {
        if (level > maxDepth)
        {
            throw new MessagePackSerializationException($"The data nests deeper than the limit of {maxDepth} arrays or maps.");
        }
    }

    /// <summary>A MessagePack type as the protocol's documents name it.</summary>
    public static string Describe(MessagePackType type) => type switch
    {
        MessagePackType.Integer => "an integer",
        MessagePackType.Nil => "nil",
        MessagePackType.Boolean => "a bool",
        MessagePackType.Float => "a float",
        MessagePackType.String => "a str",
        MessagePackType.Binary => "a bin",
        MessagePackType.Array => "an array",
        MessagePackType.Map => "a map",
        MessagePackType.Extension => "an ext",
        _ => "the never-used byte 0xc1",
    };

    private static void Skip(ref MessagePackReader reader, int maxDepth, int level)
    {
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Array:
                CheckDepth(level + 1, maxDepth);
                bool pairsFit = level + 2 <= maxDepth;
                for (int items = reader.ReadArrayHeader(); items > 0;)
                {
                    int done = pairsFit ? Float64Pairs.Skip(ref reader, items) : 0;
                    if (done == 0)
                    {
                        Skip(ref reader, maxDepth, level + 1);
                        done = 1;
                    }
                    items -= done;
                }
                break;
            case MessagePackType.Map:
                CheckDepth(level + 1, maxDepth);
                for (long items = 2L * reader.ReadMapHeader(); items > 0; items--)
                {
                    Skip(ref reader, maxDepth, level + 1);
                }
                break;
            case MessagePackType.Unknown:
                throw new MessagePackSerializationException("The byte 0xc1 is never used in MessagePack.");
            default:
#pragma warning disable RS0030 // banned for containers; a scalar's skip is exact
                reader.Skip();
#pragma warning restore RS0030
                break;
        }
    }
}
