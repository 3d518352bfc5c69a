"""Detection holds up on real messages: disguise, Discord markup, discussion, other languages."""
# ruff: noqa: RUF001, RUF003 -- lookalike letters are what these tests are about

from __future__ import annotations

import pytest

from bot.core.detect import DemandKind, classify

RECIPROCAL = DemandKind.RECIPROCAL
REQUEST = DemandKind.REQUEST


class TestObfuscation:
    @pytest.mark.parametrize(("text", "kind"), [
        ("f0ll0w m3 b4ck", RECIPROCAL),  # leetspeak
        ("f0ll0w 4 f0ll0w", RECIPROCAL),  # ...where "4" between follow words means "for"
        ("5ub5cr1b3 2 m3", REQUEST),
        ("$ub to my channel", REQUEST),
        ("fo11ow me", REQUEST),
        ("f o l l o w  m e  b a c k", RECIPROCAL),  # spaced letters
        ("F O L L O W 4 F O L L O W", RECIPROCAL),
        ("f.4.f", RECIPROCAL),  # separators
        ("s-u-b 4 s-u-b", RECIPROCAL),
        ("f*o*l*l*o*w me", REQUEST),
        ("pleeeease folllooow meeee", REQUEST),  # stretched letters
        ("subscriiiibe pls", REQUEST),
        ("ｆｏｌｌｏｗ ｍｅ ｂａｃｋ", RECIPROCAL),  # fullwidth
        ("𝐟𝐨𝐥𝐥𝐨𝐰 𝐦𝐞 𝐛𝐚𝐜𝐤", RECIPROCAL),  # mathematical bold
        ("fo\u200bllow me b\u200dack", RECIPROCAL),  # zero-width characters
        ("f\u2060ollow\ufeff me", REQUEST),
        ("f\u043ellow me back", RECIPROCAL),  # Cyrillic о
        ("s\u03c5b to my channel", REQUEST),  # Greek υ
        ("ꜰᴏʟʟᴏᴡ ᴍᴇ ʙᴀᴄᴋ", RECIPROCAL),  # small capitals
        ("follow 🙏 me 🙏 back", RECIPROCAL),  # emoji between words
        ("follow me back 🥺👉👈", RECIPROCAL),
        ("I&#39;ll follow back if you follow me", RECIPROCAL),  # HTML entities
        ("follow&#32;me&#32;back", RECIPROCAL),
        ("<b>follow</b> me <i>back</i>", RECIPROCAL),  # HTML tags
        ("followme", REQUEST),  # glued
        ("#followback #f4f", RECIPROCAL),
        ("follback", RECIPROCAL),
    ])
    def test_disguise_is_seen_through(self, text: str, kind: DemandKind) -> None:
        assert classify(text).kind is kind

    def test_a_real_cyrillic_word_is_not_turned_into_latin(self) -> None:
        assert not classify("сор мама как").demand

    def test_nofollow_inside_html_markup_is_not_a_word(self) -> None:
        assert not classify('<a rel="nofollow" href="https://x.com/a">#art</a> nice').demand


class TestDiscordMarkup:
    @pytest.mark.parametrize("text", [
        "```follow me back```",
        "```\nfollow me back\n```",
        "`follow me back`",
        "> follow me back",
        "> follow me back\nlol look at this guy",
        ">>> follow me back\nsub 4 sub\nfollow for follow",
        "~~follow me back~~ never mind",
    ])
    def test_a_demand_in_code_or_a_quote_is_not_the_author_s(self, text: str) -> None:
        assert not classify(text).demand

    def test_the_author_s_own_line_after_a_quote_still_counts(self) -> None:
        assert classify("> you never post\nfollow me back and you'll see").kind is RECIPROCAL

    @pytest.mark.parametrize(("text", "kind"), [
        ("||follow me back||", RECIPROCAL),  # a spoiler hides words, it does not take them back
        ("f||ollo||w me", REQUEST),
        ("<@123456789> follow me back", RECIPROCAL),  # mentions are neutral
        ("<@!123456789> pls follow back", RECIPROCAL),
        ("<@&42> <#77> follow me back", RECIPROCAL),
        ("follow me back <:pray:123456789> <a:dance:987654321>", RECIPROCAL),  # custom emoji
        ("follow me on https://twitter.com/someone", REQUEST),  # a link is neutral...
        ("follow me on twitter.com/someone", REQUEST),
        ("**follow me back**", RECIPROCAL),
        ("[my channel](https://youtube.com/@me) subscribe to it!", REQUEST),
    ])
    def test_markup_is_read_as_text(self, text: str, kind: DemandKind) -> None:
        assert classify(text).kind is kind

    @pytest.mark.parametrize("text", [
        "https://example.com/follow-me-back",  # ...and so are the words inside it
        "look: https://twitter.com/followme4followback",
        "<@123> <#456> <:follow:789>",
        "<t:1700000000:R>",
    ])
    def test_links_mentions_and_emoji_names_are_not_words(self, text: str) -> None:
        assert not classify(text).demand


class TestDiscussionIsNotADemand:
    @pytest.mark.parametrize("text", [
        "I never follow back",
        "I never understood this follow-back thing",
        "f4f is pointless",
        "follow for follow accounts are all bots",
        "sub4sub is dead",
        "is f4f still a thing?",
        "what does f4f even mean",
        "f4f? no thanks",
        "no f4f pls",
        "I used to do sub4sub when I was 12",
        "thanks for the follow!",
        "tysm for the sub 💕",
        "thank you for following me!!",
        "thanks for the follow, I'll follow back!",
        "I followed you because I love your art",
        "just subscribed to you",
        "I liked and subscribed",
        "followed you back :)",
        "she followed me",
        "he deserves 100M subs",
        "you deserve so many more followers",
        "congrats on 10k subs!",
        "people who say follow me back are annoying",
        "everyone keeps saying sub to him",
        'she said "follow me back" and then blocked me',
        "why do people beg for follows",
        "do you guys follow back people you don't know?",
        "should I follow back?",
        "I only follow back people I know",
        "don't follow me, I'm lost too",
        "please don't ask for follows in this channel",
        "how do I get people to follow me back",
        "that sub is toxic",
        "the subs for this anime are bad",
        "I hit the subscribe button",
        "follow back culture is so toxic",
    ])
    def test_talking_about_following_is_not_asking(self, text: str) -> None:
        assert not classify(text).demand


class TestLanguages:
    @pytest.mark.parametrize(("text", "kind"), [
        ("sígueme", REQUEST),
        ("sígueme en instagram", REQUEST),
        ("síganme porfa", REQUEST),
        ("suscríbete a mi canal", REQUEST),
        ("los invito a suscribirse a mi canal", REQUEST),
        ("sígueme y te sigo", RECIPROCAL),
        ("sígueme, te sigo de vuelta", RECIPROCAL),
        ("sub x sub?", RECIPROCAL),
    ])
    def test_spanish(self, text: str, kind: DemandKind) -> None:
        assert classify(text).kind is kind

    @pytest.mark.parametrize(("text", "kind"), [
        ("me segue", REQUEST),
        ("me segue de volta", RECIPROCAL),
        ("segue de volta", RECIPROCAL),
        ("sdv", RECIPROCAL),
        ("se inscreva no meu canal", REQUEST),
        ("inscreva-se por favor", REQUEST),
        ("me segue que eu sigo de volta", RECIPROCAL),
    ])
    def test_portuguese(self, text: str, kind: DemandKind) -> None:
        assert classify(text).kind is kind

    @pytest.mark.parametrize(("text", "kind"), [
        ("suis-moi", REQUEST),
        ("suivez-moi sur insta", REQUEST),
        ("abonnez-vous à ma chaîne", REQUEST),
        ("abonne-toi stp", REQUEST),
        ("suis-moi et je te suis en retour", RECIPROCAL),
        ("abo contre abo ?", RECIPROCAL),
    ])
    def test_french(self, text: str, kind: DemandKind) -> None:
        assert classify(text).kind is kind

    @pytest.mark.parametrize(("text", "kind"), [
        ("folg mir", REQUEST),
        ("folg mir zurück", RECIPROCAL),
        ("folgt mir zurueck bitte", RECIPROCAL),
        ("abonniert meinen Kanal", REQUEST),
        ("abo gegen abo", RECIPROCAL),
        ("folgt mir, ich folge zurück", RECIPROCAL),
    ])
    def test_german(self, text: str, kind: DemandKind) -> None:
        assert classify(text).kind is kind

    @pytest.mark.parametrize(("text", "kind"), [
        ("follback dong", RECIPROCAL),
        ("follow aku ya kak", REQUEST),
        ("jangan lupa subscribe channel aku", REQUEST),
        ("udah aku follow, follback ya", RECIPROCAL),
        ("saling follow yuk", RECIPROCAL),
        ("subscribe balik dong", RECIPROCAL),
    ])
    def test_indonesian(self, text: str, kind: DemandKind) -> None:
        assert classify(text).kind is kind

    @pytest.mark.parametrize("text", [
        "no me sigas",  # es: don't follow me
        "ele me segue",  # pt: he follows me
        "folg mir nicht",  # de: don't follow me
        "jangan follow aku",  # id: don't follow me
        "je suis content",  # fr: "suis" is also "am"
        "gracias por seguirme",  # es: thanks for following me
    ])
    def test_negation_and_narrative_in_other_languages(self, text: str) -> None:
        assert not classify(text).demand
