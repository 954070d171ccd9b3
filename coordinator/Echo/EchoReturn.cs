using System.Numerics;

namespace ProcessFarm.Coordinator.Echo;

/// <summary>Where an echoed payload lands on its way back, and the check that it came back unchanged.</summary>
internal sealed class EchoReturn(EchoPayload payload)
{
    /// <summary>The bytes that came back (a bytes payload), else null.</summary>
    public byte[]? Bytes { get; } = payload.Bytes is null ? null : new byte[payload.Bytes.Length];

    /// <summary>The complex numbers that came back (a complex payload), else null.</summary>
    public Complex[]? Items { get; } = payload.Items is null ? null : new Complex[payload.Items.Length];

    /// <summary>Throws unless everything came back as it was sent.</summary>
    public void Verify()
    {
        bool same = payload.Bytes is not null ? payload.Bytes.AsSpan().SequenceEqual(Bytes) : payload.Items.AsSpan().SequenceEqual(Items);
        if (!same)
        {
            throw new InvalidOperationException($"the {payload.Kind} payload came back changed");
        }
    }
}
