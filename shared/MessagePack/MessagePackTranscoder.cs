namespace ProcessFarm.Shared.MessagePack;

/// <summary>
/// Decodes one value token by token and writes each token again: what a MessagePack peer does to structured data
/// it receives and returns (the echo benchmark's per-item serialization cost), without building objects.
/// </summary>
public static class MessagePackTranscoder
{
    /// <summary>Reads one complete value from <paramref name="reader"/> and writes it to <paramref name="writer"/>.</summary>
    /// <exception cref="MessagePackSerializationException">Malformed input or nesting beyond <see cref="MessagePackReader.MaxDepth"/>.</exception>
    public static void Transcode(ref MessagePackReader reader, ref MessagePackWriter writer) => Transcode(ref reader, ref writer, 0);

    private static void Transcode(ref MessagePackReader reader, ref MessagePackWriter writer, int depth)
    {
        if (depth > reader.MaxDepth)
        {
            throw new MessagePackSerializationException($"The data nests deeper than the limit of {reader.MaxDepth}.");
        }
        byte code = reader.NextCode;
        switch (MessagePackCode.ToType(code))
        {
            case MessagePackType.Nil:
                reader.ReadNil();
                writer.WriteNil();
                break;
            case MessagePackType.Boolean:
                writer.Write(reader.ReadBoolean());
                break;
            case MessagePackType.Integer when code == MessagePackCode.UInt64:
                writer.Write(reader.ReadUInt64());
                break;
            case MessagePackType.Integer:
                writer.Write(reader.ReadInt64());
                break;
            case MessagePackType.Float when code == MessagePackCode.Float32:
                writer.Write((float)reader.ReadDouble());
                break;
            case MessagePackType.Float:
                writer.Write(reader.ReadDouble());
                break;
            case MessagePackType.String:
                var text = reader.ReadStringSequence();
                writer.WriteStringHeader((uint)text.Length);
                foreach (var segment in text)
                {
                    writer.WriteRaw(segment.Span);
                }
                break;
            case MessagePackType.Binary:
                var bytes = reader.ReadBytes()!.Value;
                writer.WriteBinHeader((uint)bytes.Length);
                foreach (var segment in bytes)
                {
                    writer.WriteRaw(segment.Span);
                }
                break;
            case MessagePackType.Extension:
                var header = reader.ReadExtensionHeader();
                writer.WriteExtensionHeader(header);
                foreach (var segment in reader.ReadExtensionBody(header))
                {
                    writer.WriteRaw(segment.Span);
                }
                break;
            case MessagePackType.Array:
                int items = reader.ReadArrayHeader();
                writer.WriteArrayHeader((uint)items);
                for (int i = 0; i < items;)
                {
                    int bulk = depth + 2 <= reader.MaxDepth ? TranscodeFloatPairs(ref reader, ref writer, items - i) : 0;
                    if (bulk == 0)
                    {
                        Transcode(ref reader, ref writer, depth + 1);
                        bulk = 1;
                    }
                    i += bulk;
                }
                break;
            case MessagePackType.Map:
                int pairs = reader.ReadMapHeader();
                writer.WriteMapHeader((uint)pairs);
                for (int i = 0; i < 2 * pairs; i++)
                {
                    Transcode(ref reader, ref writer, depth + 1);
                }
                break;
            default:
                throw new MessagePackSerializationException($"Unexpected msgpack code 0x{code:x2} encountered; 0xc1 is never used.");
        }
    }

    /// <summary>
    /// The commonest shape of numeric data, an array element <c>[float64, float64]</c> (a complex number, a 2-D
    /// point), in bulk: consecutive such elements, up to <paramref name="max"/>, are decoded into doubles and
    /// encoded again, as a generated formatter for a known type would. The bytes written are those the
    /// token-by-token path writes.
    /// </summary>
    /// <returns>How many elements were done; 0 when the next one has another shape (or straddles a segment).</returns>
    private static int TranscodeFloatPairs(ref MessagePackReader reader, ref MessagePackWriter writer, int max)
    {
        Span<double> values = stackalloc double[2 * 256];
        int done = 0;
        while (done < max)
        {
            int pairs = reader.ReadFloat64Pairs(values[..(2 * Math.Min(256, max - done))]);
            if (pairs == 0)
            {
                break;
            }
            writer.WriteFloat64Pairs(values[..(2 * pairs)]);
            done += pairs;
        }
        return done;
    }
}
