using System.Text;

namespace CourseWorkbook.Tokenization;

/// <summary>The kinds of SentencePiece pieces; GGUF's tokenizer.ggml.token_type uses the same numbers.</summary>
public enum PieceType { Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, Byte = 6 }

/// <summary>
/// Writes a minimal SentencePiece <c>ModelProto</c> (sentencepiece_model.proto) so that Microsoft.ML.Tokenizers can
/// load a vocabulary that did not come as a tokenizer.model file — e.g. the pieces, scores and types embedded in a
/// GGUF. Only the fields the tokenizer reads are written: pieces (1), trainer_spec (2) and normalizer_spec (3).
/// </summary>
public static class SentencePieceModelWriter
{
    /// <summary>Serialises a BPE SentencePiece model.</summary>
    public static byte[] Write(IReadOnlyList<string> pieces, IReadOnlyList<float> scores,
        IReadOnlyList<PieceType> types, int unkId, int bosId, int eosId, bool byteFallback = true,
        bool addDummyPrefix = true, bool removeExtraWhitespaces = false)
    {
        if (pieces.Count != scores.Count || pieces.Count != types.Count)
            throw new ArgumentException(
                $"pieces ({pieces.Count}), scores ({scores.Count}) and types ({types.Count}) differ in length");
        var model = new ProtoWriter();
        for (int i = 0; i < pieces.Count; i++)
        {
            var piece = new ProtoWriter();
            piece.String(1, pieces[i]);
            piece.Float(2, scores[i]);
            piece.Varint(3, (ulong)types[i]);
            model.Message(1, piece);
        }
        var trainer = new ProtoWriter();
        trainer.Varint(3, 2); // model_type = BPE
        trainer.Varint(4, (ulong)pieces.Count); // vocab_size
        trainer.Varint(35, byteFallback ? 1UL : 0UL);
        trainer.Varint(40, (ulong)(long)unkId);
        trainer.Varint(41, (ulong)(long)bosId);
        trainer.Varint(42, (ulong)(long)eosId);
        trainer.String(45, pieces[unkId]);
        if (bosId >= 0) trainer.String(46, pieces[bosId]);
        if (eosId >= 0) trainer.String(47, pieces[eosId]);
        model.Message(2, trainer);
        var normalizer = new ProtoWriter();
        normalizer.String(1, "identity");
        normalizer.Varint(3, addDummyPrefix ? 1UL : 0UL);
        normalizer.Varint(4, removeExtraWhitespaces ? 1UL : 0UL);
        normalizer.Varint(5, 1); // escape_whitespaces: ' ' ↔ '▁'
        model.Message(3, normalizer);
        return model.ToArray();
    }

    /// <summary>
    /// Protocol-buffer wire format: a tag (field &lt;&lt; 3 | wire
    /// type), then a varint, fixed32 or length-delimited value.
    /// </summary>
    sealed class ProtoWriter
    {
        readonly MemoryStream s = new();
        void Raw(ulong v) { while (v >= 0x80) { s.WriteByte((byte)(v | 0x80)); v >>= 7; } s.WriteByte((byte)v); }
        public void Varint(int field, ulong v) { Raw((ulong)field << 3); Raw(v); }
        public void Float(int field, float v)
        {
            Raw((ulong)field << 3 | 5);
            Span<byte> b = stackalloc byte[4];
            BitConverter.TryWriteBytes(b, v);
            s.Write(b);
        }
        public void Bytes(int field, ReadOnlySpan<byte> b)
        {
            Raw((ulong)field << 3 | 2);
            Raw((ulong)b.Length);
            s.Write(b);
        }
        public void String(int field, string v) => Bytes(field, Encoding.UTF8.GetBytes(v));
        public void Message(int field, ProtoWriter m) => Bytes(field, m.s.ToArray());
        public byte[] ToArray() => s.ToArray();
    }
}
