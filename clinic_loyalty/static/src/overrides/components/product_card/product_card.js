import {patch} from "@web/core/utils/patch";
import {ProductCard} from "@point_of_sale/app/generic_components/product_card/product_card";

const VOWELS = "аеёиоуыэюяaeiouy";
// Letters a Russian syllable never starts with.
const NOT_FIRST = "ьъй";

/**
 * ``word`` with soft hyphens between its syllables, roughly (after a vowel, never leaving
 * fewer than two letters on a line): the browser breaks a long word of a text tile there,
 * with a hyphen, instead of cutting it ("Профес-сиональная"). Words in Latin letters and
 * short words are left as they are (Odoo's tours find tiles by their English names).
 */
export function clinicSoftHyphens(word) {
    if (word.length < 10 || /^[\u0000-\u007F]*$/.test(word)) {
        return word;
    }
    let result = "";
    for (let index = 0; index < word.length; index++) {
        result += word[index];
        const next = word[index + 1];
        if (
            index >= 1 &&
            word.length - index - 1 >= 2 &&
            VOWELS.includes(word[index].toLowerCase()) &&
            /\p{L}/u.test(next) &&
            !NOT_FIRST.includes(next.toLowerCase())
        ) {
            result += "\u00AD";
        }
    }
    return result;
}

patch(ProductCard.prototype, {
    /** The name of a text tile, long words with soft hyphens. */
    get clinicTileName() {
        return this.props.imageUrl
            ? this.props.name
            : this.props.name.split(" ").map(clinicSoftHyphens).join(" ");
    },
});
