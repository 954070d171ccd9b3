using MessagePack;

namespace ProcessFarm.Shared.MessagePack;

/// <summary>
/// Decodes one value token by token and writes each token again: what a MessagePack peer does to structured data
/// it receives and returns (the echo benchmark's per-item serialization cost), without building objects.
/// </summary>
/// <remarks>
/// Kept by hand because the library has no value-to-value copy that decodes: <c>ReadRaw</c>/<c>WriteRaw</c> move
/// bytes without looking at them, and its serializer builds objects. Every token goes through the library's
/// reader and writer, except runs of <c>[float64, float64]</c> elements (<see cref="Float64Pairs"/>).
/// Output is in shortest form; a float 32 stays float 32.
/// </remarks>
public static class MessagePackTranscoder
{
    /// <summary>Reads one complete value from <paramref name="reader"/> and writes it to <paramref name="writer"/>.</summary>
    /// <param name="reader">The input, at the start of a value.</param>
    /// <param name="writer">The output; the caller flushes it.</param>
    /// <param name="maxDepth">How many arrays or maps deep the value may nest (<see cref="MessagePackReading.SkipValue"/>).</param>
    /// <exception cref="MessagePackSerializationException">Malformed input or deeper nesting (or another exception <see cref="MessagePackReading.IsDecodingFailure"/> recognises).</exception>
    public static void Transcode(ref MessagePackReader reader, ref MessagePackWriter writer, int maxDepth) =>
        Transcode(ref reader, ref writer, maxDepth, 0, bulk: true);

    /// <summary>As <see cref="Transcode(ref MessagePackReader, ref MessagePackWriter, int)"/>, with or without the bulk pair path (for the benchmark that decides whether it stays).</summary>
    internal static void Transcode(ref MessagePackReader reader, ref MessagePackWriter writer, int maxDepth, bool bulk) =>
        Transcode(ref reader, ref writer, maxDepth, 0, bulk);

    private static void Transcode(ref MessagePackReader reader, ref MessagePackWriter writer, int maxDepth, int level, bool bulk)
    {
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Nil:
                reader.ReadNil();
                writer.WriteNil();
                break;
            case MessagePackType.Boolean:
                writer.Write(reader.ReadBoolean());
                break;
            case MessagePackType.Integer when reader.NextCode == MessagePackCode.UInt64:
                writer.Write(reader.ReadUInt64());
                break;
            case MessagePackType.Integer:
                writer.Write(reader.ReadInt64());
                break;
            case MessagePackType.Float when reader.NextCode == MessagePackCode.Float32:
                writer.Write(reader.ReadSingle());
                break;
            case MessagePackType.Float:
                writer.Write(reader.ReadDouble());
                break;
            case MessagePackType.String:
                writer.WriteString(reader.ReadStringSequence()!.Value);
                break;
            case MessagePackType.Binary:
                writer.Write(reader.ReadBytes()!.Value);
                break;
            case MessagePackType.Extension:
                var header = reader.ReadExtensionFormatHeader();
                writer.WriteExtensionFormatHeader(header);
                writer.WriteRaw(reader.ReadRaw(header.Length));
                break;
            case MessagePackType.Array:
                MessagePackReading.CheckDepth(level + 1, maxDepth);
                int items = reader.ReadArrayHeader();
                writer.WriteArrayHeader(items);
                bool pairsFit = bulk && level + 2 <= maxDepth;
                for (int i = 0; i < items;)
                {
                    int done = pairsFit ? TranscodeFloatPairs(ref reader, ref writer, items - i) : 0;
                    if (done == 0)
                    {
                        Transcode(ref reader, ref writer, maxDepth, level + 1, bulk);
                        done = 1;
                    }
                    i += done;
                }
                break;
            case MessagePackType.Map:
                MessagePackReading.CheckDepth(level + 1, maxDepth);
                int pairs = reader.ReadMapHeader();
                writer.WriteMapHeader(pairs);
                for (long i = 2L * pairs; i > 0; i--)
                {
                    Transcode(ref reader, ref writer, maxDepth, level + 1, bulk);
                }
                break;
            default:
                throw new MessagePackSerializationException("The byte 0xc1 is never used in MessagePack.");
        }
    }

    /// <summary>Consecutive <c>[float64, float64]</c> elements, up to <paramref name="max"/>, decoded and encoded again in bulk.</summary>
    /// <returns>How many elements were done; 0 when the next one has another shape (or straddles a segment).</returns>
    private static int TranscodeFloatPairs(ref MessagePackReader reader, ref MessagePackWriter writer, int max)
    {
        Span<double> values = stackalloc double[2 * Float64Pairs.MaxPerCall];
        int done = 0;
        while (done < max)
        {
            int pairs = Float64Pairs.Read(ref reader, values[..(2 * Math.Min(Float64Pairs.MaxPerCall, max - done))]);
            if (pairs == 0)
            {
                break;
            }
            Float64Pairs.Write(ref writer, values[..(2 * pairs)]);
            done += pairs;
        }
        return done;
    }
}
