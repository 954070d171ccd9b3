namespace ProcessFarm.Shared.Protocol.Internal;

/// <summary>The parameter keys the protocol knows, as a set.</summary>
[Flags]
internal enum ParameterKeys
{
    None = 0,
    Ev = 1 << 0,
    Gamma = 1 << 1,
    Width = 1 << 2,
    Rows = 1 << 3,
    Channels = 1 << 4,
    Offset = 1 << 5,
    OutputOffset = 1 << 6,
    Length = 1 << 7,
    InputPath = 1 << 8,
    OutputPath = 1 << 9,
    Quality = 1 << 10,
    MaxPixels = 1 << 11,
    N = 1 << 12,
    Bits = 1 << 13,
    Codec = 1 << 14,
    OutputExtension = 1 << 15,
    MaxBytes = 1 << 16,
}
