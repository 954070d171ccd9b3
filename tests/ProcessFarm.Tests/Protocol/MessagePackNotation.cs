using System.Buffers;
using System.Globalization;
using System.Numerics;
using System.Text;
using MessagePack;

namespace ProcessFarm.Tests.Protocol;

/// <summary>
/// The notation of docs/PROTOCOL.md, section 8, encoded to MessagePack: <c>nil</c>, <c>true</c>, <c>false</c>,
/// integers (shortest form), floats (float 64, with <c>.</c> or <c>e</c>, or NaN and the infinities), JSON strings,
/// <c>bin(N)</c>, <c>raw(HEX)</c>, arrays and maps (keys of any type, in order, repeats kept). A text may hold several
/// values one after the other.
/// </summary>
internal static class MessagePackNotation
{
    public static byte[] Encode(string text)
    {
        var parser = new Parser(text);
        var values = new List<Node>();
        for (parser.SkipSpace(); !parser.AtEnd; parser.SkipSpace())
        {
            values.Add(parser.Value());
        }
        var output = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(output);
        foreach (var value in values)
        {
            Write(ref writer, value);
        }
        writer.Flush();
        return output.WrittenSpan.ToArray();
    }

    private static void Write(ref MessagePackWriter writer, Node node)
    {
        switch (node)
        {
            case NilNode:
                writer.WriteNil();
                break;
            case BoolNode b:
                writer.Write(b.Value);
                break;
            case IntNode { Value.Sign: < 0 } i:
                writer.Write((long)i.Value);
                break;
            case IntNode i:
                writer.Write((ulong)i.Value);
                break;
            case FloatNode f:
                writer.Write(f.Value);
                break;
            case StrNode s:
                writer.Write(s.Value);
                break;
            case BinNode b:
                writer.Write(new byte[b.Length]);
                break;
            case RawNode r:
                writer.WriteRaw(r.Bytes);
                break;
            case ArrayNode a:
                writer.WriteArrayHeader(a.Items.Count);
                foreach (var item in a.Items)
                {
                    Write(ref writer, item);
                }
                break;
            case MapNode m:
                writer.WriteMapHeader(m.Entries.Count);
                foreach (var (key, value) in m.Entries)
                {
                    Write(ref writer, key);
                    Write(ref writer, value);
                }
                break;
        }
    }

    private abstract record Node;

    private sealed record NilNode : Node;

    private sealed record BoolNode(bool Value) : Node;

    private sealed record IntNode(BigInteger Value) : Node;

    private sealed record FloatNode(double Value) : Node;

    private sealed record StrNode(string Value) : Node;

    private sealed record BinNode(int Length) : Node;

    private sealed record RawNode(byte[] Bytes) : Node;

    private sealed record ArrayNode(List<Node> Items) : Node;

    private sealed record MapNode(List<(Node Key, Node Value)> Entries) : Node;

    private sealed class Parser(string text)
    {
        private int _at;

        public bool AtEnd => _at >= text.Length;

        public void SkipSpace()
        {
            while (!AtEnd && char.IsWhiteSpace(text[_at]))
            {
                _at++;
            }
        }

        public Node Value()
        {
            SkipSpace();
            char c = Peek();
            if (c == '[')
            {
                _at++;
                var items = new List<Node>();
                for (SkipSpace(); Peek() != ']'; SkipSpace())
                {
                    items.Add(Value());
                    Separator(']');
                }
                _at++;
                return new ArrayNode(items);
            }
            if (c == '{')
            {
                _at++;
                var entries = new List<(Node, Node)>();
                for (SkipSpace(); Peek() != '}'; SkipSpace())
                {
                    var key = Value();
                    SkipSpace();
                    Expect(':');
                    entries.Add((key, Value()));
                    Separator('}');
                }
                _at++;
                return new MapNode(entries);
            }
            if (c == '"')
            {
                return new StrNode(String());
            }
            string word = Word();
            return word switch
            {
                "nil" => new NilNode(),
                "true" => new BoolNode(true),
                "false" => new BoolNode(false),
                "NaN" => new FloatNode(double.NaN),
                "Infinity" => new FloatNode(double.PositiveInfinity),
                "-Infinity" => new FloatNode(double.NegativeInfinity),
                "bin" => new BinNode(int.Parse(Parenthesised(), CultureInfo.InvariantCulture)),
                "raw" => new RawNode(Convert.FromHexString(Parenthesised().Replace(" ", string.Empty, StringComparison.Ordinal))),
                _ when word.Contains('.', StringComparison.Ordinal) || word.Contains('e', StringComparison.OrdinalIgnoreCase) =>
                    new FloatNode(double.Parse(word, NumberStyles.Float, CultureInfo.InvariantCulture)),
                _ => new IntNode(BigInteger.Parse(word, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture)),
            };
        }

        private char Peek() => AtEnd ? throw new FormatException($"unexpected end of '{text}'") : text[_at];

        private void Expect(char c)
        {
            if (Peek() != c)
            {
                throw new FormatException($"expected '{c}' at {_at} of '{text}'");
            }
            _at++;
        }

        private void Separator(char close)
        {
            SkipSpace();
            if (Peek() == ',')
            {
                _at++;
            }
            else if (Peek() != close)
            {
                throw new FormatException($"expected ',' or '{close}' at {_at} of '{text}'");
            }
        }

        private string Word()
        {
            int start = _at;
            while (!AtEnd && (char.IsLetterOrDigit(text[_at]) || text[_at] is '-' or '+' or '.'))
            {
                _at++;
            }
            return start < _at ? text[start.._at] : throw new FormatException($"unexpected '{Peek()}' at {_at} of '{text}'");
        }

        private string Parenthesised()
        {
            Expect('(');
            int end = text.IndexOf(')', _at);
            string inside = text[_at..end];
            _at = end + 1;
            return inside;
        }

        private string String()
        {
            Expect('"');
            var builder = new StringBuilder();
            while (Peek() != '"')
            {
                char c = text[_at++];
                if (c != '\\')
                {
                    builder.Append(c);
                    continue;
                }
                char escape = text[_at++];
                switch (escape)
                {
                    case 'u':
                        builder.Append((char)int.Parse(text.AsSpan(_at, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                        _at += 4;
                        break;
                    case 'n':
                        builder.Append('\n');
                        break;
                    case 't':
                        builder.Append('\t');
                        break;
                    default:
                        builder.Append(escape); // \" \\ \/
                        break;
                }
            }
            _at++;
            return builder.ToString();
        }
    }
}
